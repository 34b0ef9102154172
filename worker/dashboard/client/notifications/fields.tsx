import type { Child } from "hono/jsx";

/**
 * Form fields of the Notifications page, props only: a label, an optional hint and the field's
 * problem under it, tied to the field with `aria-describedby` (and `aria-invalid` when it has one).
 */

/** Problems by the id of the field they concern (`form` for the form as a whole). */
export type Problems = Record<string, string>;

const describedBy = (...ids: (string | false | undefined)[]) => ids.filter(Boolean).join(" ") || undefined;

export function FieldProblem(props: { id: string; problems: Problems }) {
  const problem = props.problems[props.id];
  return problem ? (
    <p class="bad field-problem" id={`${props.id}-problem`}>
      {problem}
    </p>
  ) : null;
}

/** The attributes that tie a field to its hint and problem. */
export const fieldAttrs = (id: string, problems: Problems, hasHint: boolean) => ({
  id,
  "aria-invalid": problems[id] ? "true" : undefined,
  "aria-describedby": describedBy(hasHint && `${id}-hint`, problems[id] !== undefined && `${id}-problem`),
});

/** A field with its label, hint and problem; `input` draws the control with the attributes given. */
export function Field(props: {
  id: string;
  label: string;
  hint?: Child;
  problems: Problems;
  class?: string;
  input: (attrs: ReturnType<typeof fieldAttrs>) => Child;
}) {
  return (
    <div class={`field${props.class ? ` ${props.class}` : ""}`}>
      <label for={props.id}>{props.label}</label>
      {props.hint && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.input(fieldAttrs(props.id, props.problems, props.hint !== undefined))}
      <FieldProblem id={props.id} problems={props.problems} />
    </div>
  );
}

/** The problems of a refused form, each linking to its field (the problem is repeated there). */
export function ProblemSummary(props: { title: string; problems: Problems }) {
  const entries = Object.entries(props.problems);
  if (entries.length === 0) return null;
  return (
    <div class="errors" role="alert" id="problems">
      <h2>{props.title}</h2>
      <ul>
        {entries.map(([id, message]) => (
          <li>{id === "form" ? message : <a href={`#${id}`}>{message}</a>}</li>
        ))}
      </ul>
    </div>
  );
}
