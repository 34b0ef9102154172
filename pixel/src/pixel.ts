/**
 * The browser script. Every byte ships with every page view of every client
 * site, so the code favours size: closures instead of classes, no polyfills
 * (ES2018+), aliases for the browser globals it uses often. Names are long:
 * the minifier shortens everything local. Behaviour and reasons: docs/pixel.md.
 *
 * Whitelabel: nothing here may name the platform. No strings like the product
 * name or ad-block bait words; the global comes from the config only.
 */
import type { Hit, PixelConfig } from "../../shared/hit";

// Replaced by the Worker with a JSON object literal (pixel/serve.ts).
declare const __CONFIG__: PixelConfig;

/** `window[config.g]`: the site's queue stub before this script runs, this script's API after. */
interface SiteApi {
  (command: string, argument?: unknown): unknown;
  /** Calls the stub queued before the script loaded. */
  q?: ArrayLike<unknown>[];
  identify?: (argument: unknown) => unknown;
}

declare global {
  interface Window {
    /** Where the site's API lives, under the partner's global name. */
    [globalName: string]: unknown;
  }
  interface Navigator {
    globalPrivacyControl?: boolean;
  }
  interface Document {
    prerendering?: boolean;
  }
}

const config = __CONFIG__;
const win = window;
const doc = document;
const nav = navigator;
const loc = location;
const hist = history;
const math = Math;
const listen = (type: string, listener: (event: Event) => unknown, target: EventTarget = win) =>
  target.addEventListener(type, listener);
// The page identity: the hash only counts for hash routers.
const currentPath = () => loc.pathname + (config.h ? loc.hash : "");
const toHex = (bytes: ArrayBuffer | Uint8Array) =>
  [...new Uint8Array(bytes)].map((byte) => (byte + 256).toString(16).slice(1)).join("");

// The current page view; engagement accumulates per page view.
let viewId: string;
let viewUrl = loc.href;
/** Identity keys of the current view: replaceState compares the path, everything else path + query. */
let viewPath: string;
let viewPathAndQuery: string;
let focusedMs = 0;
/** performance.now() when the running focused period began; 0 while hidden or blurred. */
let focusStart = 0;
let maxDepth = 0;
/** "seconds,depth" of the last engagement sent for this view, so an unchanged one is not repeated. */
let lastEngagement: string;
// Email hash of this tab; sessionStorage keeps it across reloads and pages of the tab.
// The key is derived from the partner's global name, never from the platform's.
let emailHash: string | undefined;
const hashStorageKey = config.g + "_h";
try {
  emailHash = sessionStorage[hashStorageKey];
} catch {}

const cryptoApi = crypto;
// Every hit belongs to the current page view, so u is that view's URL.
const send = (type: Hit["t"], fields: object) => {
  const eventId = cryptoApi.randomUUID ? cryptoApi.randomUUID() : toHex(cryptoApi.getRandomValues(new Uint8Array(16)));
  // Undefined members vanish in JSON, so h and b are only sent when set.
  const body = JSON.stringify({
    k: config.k,
    t: type,
    i: eventId,
    u: viewUrl,
    h: emailHash,
    b: nav.webdriver ? 1 : void 0,
    ...fields,
  });
  // A string body is text/plain: a CORS "simple" request, never a preflight.
  (nav.sendBeacon && nav.sendBeacon(config.e, body)) ||
    fetch(config.e, { method: "POST", body, keepalive: true, mode: "no-cors" }).catch(() => 0);
  return eventId;
};

// Accumulate time only while the tab is visible and focused.
const updateFocusedTime = () => {
  const now = performance.now();
  if (focusStart) focusedMs += now - focusStart;
  focusStart = !doc.hidden && doc.hasFocus() ? now : 0;
};

// Depth = share of the document above the bottom edge of the viewport.
const updateDepth = () => {
  maxDepth = math.max(
    maxDepth,
    math.min(100, math.round(((scrollY + innerHeight) / doc.documentElement.scrollHeight) * 100)),
  );
};

// Only when the page was looked at for a second and something changed since the
// last engagement of this page view: saves requests on background tabs and on
// the hidden + pagehide pair, which usually carry the same values.
const sendEngagement = () => {
  updateFocusedTime();
  updateDepth();
  const seconds = math.round(focusedMs / 1e3);
  const summary = seconds + "," + maxDepth;
  if (seconds && summary != lastEngagement) {
    lastEngagement = summary;
    send("e", { p: viewId, s: seconds, d: maxDepth });
  }
};

const sendView = (referrer: string) => {
  sendEngagement();
  viewUrl = loc.href;
  viewPath = currentPath();
  viewPathAndQuery = viewPath + loc.search;
  focusedMs = maxDepth = focusStart = 0;
  lastEngagement = "";
  updateFocusedTime();
  viewId = send("v", { r: referrer || void 0, w: innerWidth });
};

// replaceState only counts when the path changes: apps rewrite the query
// string (filters, search boxes) with it on every keystroke.
// `how` is the history method, or the popstate/hashchange event.
const onNavigation = (how?: unknown) => {
  const path = currentPath();
  const pathAndQuery = path + loc.search;
  if (how == "replaceState" && path == viewPath) viewPathAndQuery = pathAndQuery;
  else if (pathAndQuery != viewPathAndQuery) sendView(viewUrl);
};

const identify = async (argument: { email: string }) => {
  try {
    const email = argument.email.trim().toLowerCase();
    // crypto.subtle is missing outside secure contexts: the throw drops the call.
    const hash =
      email.includes("@") && toHex(await cryptoApi.subtle.digest("SHA-256", new TextEncoder().encode(email)));
    // Once per tab and address: later hits carry h anyway.
    if (hash && hash != emailHash) {
      emailHash = hash;
      try {
        sessionStorage[hashStorageKey] = hash;
      } catch {}
      send("i", {});
    }
  } catch {}
};

const queueStub = win[config.g] as SiteApi | undefined;
// A second copy of the snippet on the page must not wrap history twice.
if (!(queueStub && queueStub.identify)) {
  const allowed = !(config.p && (nav.doNotTrack == "1" || nav.globalPrivacyControl));
  const api: SiteApi = (win[config.g] = (command: string, argument?: unknown) =>
    allowed && command == "identify" && identify(argument as { email: string }));
  api.identify = (argument) => api("identify", argument);
  const start = () => {
    sendView(doc.referrer);
    for (const method of ["pushState", "replaceState"] as const) {
      const original = hist[method];
      hist[method] = function (this: History, ...args: Parameters<History["pushState"]>) {
        original.apply(this, args);
        onNavigation(method);
      };
    }
    listen("popstate", onNavigation);
    listen("hashchange", onNavigation);
    listen("pageshow", (event) => (event as PageTransitionEvent).persisted && sendView(doc.referrer));
    listen("pagehide", sendEngagement);
    listen("visibilitychange", () => (doc.hidden ? sendEngagement() : updateFocusedTime()), doc);
    listen("focus", updateFocusedTime);
    listen("blur", updateFocusedTime);
    listen("scroll", updateDepth);
    for (const call of (queueStub && queueStub.q) || []) api(...(call as [string, unknown]));
  };
  // A prerendered page only counts once the visitor actually opens it.
  allowed && (doc.prerendering ? listen("prerenderingchange", start, doc) : start());
}
