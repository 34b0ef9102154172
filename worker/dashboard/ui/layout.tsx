import type { Child } from "hono/jsx";
import { raw } from "hono/html";
import { randomHex } from "../../lib/ids";
import type { DashboardContext } from "../context";
import { SCRIPT_URL, STYLESHEET_URL } from "./assets";
import { brandCss, monogram } from "./brand";

export type PageStatus = 200 | 400 | 401 | 403 | 404 | 409 | 410 | 429 | 500 | 503;

export interface NavItem {
  href: string;
  label: string;
  current: boolean;
}

/** Links under one name in the navigation, shown on demand (a disclosure that needs no script). */
export interface NavGroup {
  label: string;
  items: NavItem[];
}

export interface Frame {
  /** What the page is; the title adds the context and the partner's name. */
  title: string;
  context?: string;
  nav?: (NavItem | NavGroup)[];
  /** Sign-out form of the signed-in session. */
  signOut?: { action: string; csrf: string };
  notice?: Child;
}

/**
 * Headers of every page: a strict CSP (scripts and styles from this origin only, plus the page's
 * one inline style block holding the partner's colours), no caching of signed-in pages, no referrer
 * to others. `framesSelf`: the page embeds a page of this origin (a mail's preview).
 */
function headers(nonce: string, framesSelf: boolean): Record<string, string> {
  return {
    "content-security-policy": [
      "default-src 'none'",
      ...(framesSelf ? ["frame-src 'self'"] : []),
      "script-src 'self'",
      `style-src 'self' 'nonce-${nonce}'`,
      "img-src 'self' https: data:",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join("; "),
    "cache-control": "no-store",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
  };
}

/** Renders a whole page in the partner's brand. */
export async function render(
  c: DashboardContext,
  frame: Frame,
  body: Child,
  status: PageStatus = 200,
  options: { framesSelf?: boolean } = {},
) {
  const base = c.get("base");
  const brand = c.get("brand");
  const nonce = randomHex(16);
  const title = [frame.title, frame.context, brand?.name].filter(Boolean).join(" · ");
  const page = (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex, nofollow" />
        <title>{title}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={STYLESHEET_URL} />
        <style nonce={nonce}>{raw(brandCss(brand))}</style>
        <script src={SCRIPT_URL} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <div class="brand">
            {brand?.logoUrl ? (
              <img src={brand.logoUrl} alt="" referrerpolicy="no-referrer" />
            ) : (
              <span class="mono" aria-hidden="true">
                {monogram(brand?.name ?? "")}
              </span>
            )}
            <span>{brand?.name ?? "Dashboard"}</span>
          </div>
          {frame.nav && (
            <nav aria-label="Main">
              <ul>
                {frame.nav.map((item) => ("items" in item ? <NavGroupItem group={item} /> : <NavLink item={item} />))}
              </ul>
            </nav>
          )}
          {frame.signOut && (
            <form method="post" action={frame.signOut.action}>
              <input type="hidden" name="_csrf" value={frame.signOut.csrf} />
              <button type="submit">Sign out</button>
            </form>
          )}
        </header>
        {frame.notice && <div class="notice">{frame.notice}</div>}
        <main id="main" tabindex={-1}>
          {body}
        </main>
        {brand?.supportEmail && (
          <footer>
            Questions? <a href={`mailto:${brand.supportEmail}`}>{brand.supportEmail}</a>
          </footer>
        )}
      </body>
    </html>
  );
  return c.html(`<!doctype html>${await page}`, status, headers(nonce, options.framesSelf ?? false));
}

const NavLink = (props: { item: NavItem }) => (
  <li>
    <a href={props.item.href} aria-current={props.item.current ? "page" : undefined}>
      {props.item.label}
    </a>
  </li>
);

const NavGroupItem = (props: { group: NavGroup }) => (
  <li class="group">
    <details class={props.group.items.some((i) => i.current) ? "current" : undefined}>
      <summary>{props.group.label}</summary>
      <ul>
        {props.group.items.map((item) => (
          <NavLink item={item} />
        ))}
      </ul>
    </details>
  </li>
);

/** A short page with one message: refused links, signed-out, not found. */
export function message(c: DashboardContext, title: string, text: Child, status: PageStatus) {
  return render(
    c,
    { title },
    <div class="center">
      <h1>{title}</h1>
      {text}
    </div>,
    status,
  );
}
