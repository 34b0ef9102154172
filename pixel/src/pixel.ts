/**
 * The browser script. Every byte ships with every page view of every client
 * site, so the code favours size: short locals, closures instead of classes,
 * no polyfills (ES2018+). Behaviour and the reasons behind it: docs/pixel.md.
 *
 * Whitelabel: nothing here may name the platform. No strings like the product
 * name or ad-block bait words; the global comes from the config only.
 */
import type { Hit, PixelConfig } from "../../shared/hit";

// Replaced by the Worker with a JSON object literal (pixel/serve.ts).
declare const __CONFIG__: PixelConfig;

const c = __CONFIG__;
const w: any = window;
const d = document;
const n: any = navigator;
const l = location;
const hi: any = history;
const M = Math;
const on = (t: string, f: (e: any) => void, o: any = w) => o.addEventListener(t, f);
// The page identity: the hash only counts for hash routers (c.h).
const path = () => l.pathname + (c.h ? l.hash : "");
const hex = (a: ArrayBuffer | Uint8Array) =>
  [...new Uint8Array(a)].map((b) => (b + 256).toString(16).slice(1)).join("");

// Page view state: event id, URL, identity keys (path, path+search), focused ms,
// start of the running focused period (0 = not running), max depth, last engagement sent.
let V: string;
let U = l.href;
let P: string;
let Q: string;
let A = 0;
let T = 0;
let D = 0;
let L: string;
// Email hash of this tab; sessionStorage keeps it across reloads and pages of the tab.
// The key is derived from the partner's global name, never from the platform's.
let H: string | undefined;
const S = c.g + "_h";
try {
  H = sessionStorage[S];
} catch {}

const cr = crypto;
// Every hit belongs to the current page view, so u is that view's URL.
const send = (t: Hit["t"], o: object) => {
  const i = cr.randomUUID ? cr.randomUUID() : hex(cr.getRandomValues(new Uint8Array(16)));
  // Undefined members vanish in JSON, so h and b are only sent when set.
  const b = JSON.stringify({ k: c.k, t, i, u: U, h: H, b: n.webdriver ? 1 : void 0, ...o });
  // A string body is text/plain: a CORS "simple" request, never a preflight.
  (n.sendBeacon && n.sendBeacon(c.e, b)) ||
    fetch(c.e, { method: "POST", body: b, keepalive: true, mode: "no-cors" }).catch(() => 0);
  return i;
};

// Accumulate time only while the tab is visible and focused.
const tick = () => {
  const t = performance.now();
  if (T) A += t - T;
  T = !d.hidden && d.hasFocus() ? t : 0;
};

// Depth = share of the document above the bottom edge of the viewport.
const depth = () => {
  D = M.max(D, M.min(100, M.round(((scrollY + innerHeight) / d.documentElement.scrollHeight) * 100)));
};

// Only when the page was looked at for a second and something changed since the
// last engagement of this page view: saves requests on background tabs and on
// the hidden + pagehide pair, which usually carry the same values.
const eng = () => {
  tick();
  depth();
  const s = M.round(A / 1e3);
  const k = s + "," + D;
  if (s && k != L) {
    L = k;
    send("e", { p: V, s, d: D });
  }
};

const view = (r: string) => {
  eng();
  U = l.href;
  P = path();
  Q = P + l.search;
  A = D = T = 0;
  L = "";
  tick();
  V = send("v", { r: r || void 0, w: innerWidth });
};

// replaceState only counts when the path changes: apps rewrite the query
// string (filters, search boxes) with it on every keystroke.
// `how` is the history method, or the popstate/hashchange event.
const nav = (how?: unknown) => {
  const p = path();
  const q = p + l.search;
  if (how == "replaceState" && p == P) Q = q;
  else if (q != Q) view(U);
};

const identify = async (o: { email: string }) => {
  try {
    const e = o.email.trim().toLowerCase();
    // crypto.subtle is missing outside secure contexts: the throw drops the call.
    const h = e.includes("@") && hex(await cr.subtle.digest("SHA-256", new TextEncoder().encode(e)));
    // Once per tab and address: later hits carry h anyway.
    if (h && h != H) {
      H = h;
      try {
        sessionStorage[S] = h;
      } catch {}
      send("i", {});
    }
  } catch {}
};

const old = w[c.g];
// A second copy of the snippet on the page must not wrap history twice.
if (!(old && old.identify)) {
  const ok = !(c.p && (n.doNotTrack == "1" || n.globalPrivacyControl));
  const f: any = (w[c.g] = (m: string, a: any) => ok && m == "identify" && identify(a));
  f.identify = (a: any) => f("identify", a);
  const go = () => {
    view(d.referrer);
    for (const m of ["pushState", "replaceState"]) {
      const o = hi[m];
      hi[m] = function (this: History) {
        o.apply(this, arguments);
        nav(m);
      };
    }
    on("popstate", nav);
    on("hashchange", nav);
    on("pageshow", (e) => e.persisted && view(d.referrer));
    on("pagehide", eng);
    on("visibilitychange", () => (d.hidden ? eng() : tick()), d);
    on("focus", tick);
    on("blur", tick);
    on("scroll", depth);
    for (const a of (old && old.q) || []) f(...a);
  };
  // A prerendered page only counts once the visitor actually opens it.
  ok && ((d as any).prerendering ? on("prerenderingchange", go, d) : go());
}
