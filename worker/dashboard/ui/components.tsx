import type { Child } from "hono/jsx";

/** A region that scrolls sideways on narrow screens, reachable by keyboard. */
export const Scroll = (props: { label: string; children: Child }) => (
  <div class="scroll" tabindex={0} role="region" aria-label={props.label}>
    {props.children}
  </div>
);

/** The session's CSRF token, in every form that posts. */
export const Csrf = (props: { token: string }) => <input type="hidden" name="_csrf" value={props.token} />;

export const Kpi = (props: { label: string; value: Child; note?: Child }) => (
  <dl class="kpi card">
    <dt>{props.label}</dt>
    <dd>
      {props.value}
      {props.note && <small>{props.note}</small>}
    </dd>
  </dl>
);
