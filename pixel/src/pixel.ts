/**
 * The browser script. Every byte ships with every page view of every client
 * site, so the code favours size: closures instead of classes, no polyfills
 * (ES2020), aliases for the browser globals it uses often. Names are long:
 * the minifier shortens everything local. Behaviour and reasons: docs/pixel.md.
 *
 * Whitelabel: nothing here may name the platform. No strings like the product
 * name or ad-block bait words; the global comes from the config only.
 */
import { type Hit, OPT_OUT_KEY, type PixelConfig } from "../../shared/hit";

// Replaced by the Worker with a JSON object literal (pixel/serve.ts).
declare const __CONFIG__: PixelConfig;

/** `window[config.g]`: the site's queue stub before this script runs, this script's API after. */
interface SiteApi {
  (command: string, ...args: unknown[]): unknown;
  /** Calls the stub queued before the script loaded, each an `arguments` object. */
  q?: unknown[][];
  [command: string]: unknown;
}

/** What a Google Consent Mode command carries that the script reads. */
interface GoogleConsentState {
  ad_user_data?: string;
}

declare global {
  interface Window {
    /** The site's API under the partner's global name; Google's `dataLayer`. */
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
const math = Math;
const listen = (type: string, listener: (event: Event) => unknown) => addEventListener(type, listener);
// The page identity: the hash only counts for hash routers.
const currentPath = () => loc.pathname + (config.h ? loc.hash : "");
const toHex = (bytes: ArrayBuffer | Uint8Array) =>
  [...new Uint8Array(bytes)].map((byte) => (byte + 256).toString(16).slice(1)).join("");
// 32 hex digits: crypto.randomUUID exists only in secure contexts, and plain-http sites exist.
const newEventId = () => toHex(crypto.getRandomValues(new Uint8Array(16)));

// Storage throws where it is blocked (sandboxed frames, some privacy settings): a plain
// object stands in, so the page works, but nothing outlives it.
let tabStorage: Record<string, unknown> = {};
let siteStorage: Record<string, unknown> = {};
try {
  tabStorage = sessionStorage;
  siteStorage = localStorage;
} catch {}
// Derived from the partner's global name, never from the platform's.
const hashStorageKey = config.g + "_h";

// The current page view; engagement accumulates per page view.
let viewId: string;
let viewUrl: string;
/** Identity keys of the current view: replaceState compares the path, everything else path + query. */
let viewPath: string;
let viewPathAndQuery: string;
let focusedMs: number;
/** performance.now() when the running focused period began; 0 while hidden or blurred. */
let focusStart: number;
let maxDepth: number;
/** Seconds and depth of the last engagement sent for this view, so an unchanged one is not repeated. */
let lastEngagement: unknown;
/** The current view while consent holds it back; sent as soon as consent allows. */
let heldView: object | undefined;

/**
 * The visitor's email hash from `identify`. Once consent allows, it is announced (an identify
 * hit) and kept in tab storage: the stored hash is the one hits carry, across reloads of the tab.
 */
let emailHash = tabStorage[hashStorageKey];
/** 0 nothing may be sent, 1 hits without the email hash, 2 everything; the mode sets the floor (`c`). */
let consentLevel = config.c;
/** A Google Consent Mode default denied ad_user_data: defaults can be per region, so a denial wins. */
let deniedByGoogleDefault: boolean;
let googleEntriesRead = 0;

// Dispatches `acme(command, ...args)` to the API's methods; unknown commands do nothing.
const api = ((command: string, ...args: unknown[]) =>
  (api[command] as ((...args: unknown[]) => unknown) | undefined)?.(...args)) as SiteApi;

const forgetEmailHash = () => {
  emailHash = void 0;
  delete tabStorage[hashStorageKey];
};

// An explicit grant or withdrawal by the site; a withdrawal deletes the stored hash
// (unless the mode is "off", which ignores consent).
const setPersonalConsent = (granted: unknown) => {
  consentLevel = granted ? 2 : config.c;
  consentLevel > 1 || forgetEmailHash();
};

// gtag pushes its commands to dataLayer as `arguments` objects: ("consent", "default" | "update", state).
// Those pushed since the last look run through the API like queued calls (see api.consent).
// Object(): a primitive someone else pushed must not throw.
const readGoogleConsent = () => {
  for (const layer = win.dataLayer as unknown[]; googleEntriesRead < layer?.length;)
    api.apply(0, Object(layer[googleEntriesRead++]));
};

// Every hit belongs to the current page view, so u is that view's URL.
const post = (type: Hit["t"], fields: object) =>
  nav.sendBeacon?.(
    config.e,
    // A string body is text/plain: a CORS "simple" request, never a preflight.
    // Undefined members vanish in JSON, so h and b are only sent when set.
    JSON.stringify({
      k: config.k,
      t: type,
      i: newEventId(),
      u: viewUrl,
      h: tabStorage[hashStorageKey],
      b: nav.webdriver ? 1 : void 0,
      ...fields,
    }),
  );

// Without arguments: sends what waited for consent (the held view, a new email hash).
const send = (type?: Hit["t"], fields?: object) => {
  readGoogleConsent();
  // Do-Not-Track and Global Privacy Control act as an opt-out where the organization honours them.
  const permitted =
    (config.p && ((nav.doNotTrack as unknown) == 1 || nav.globalPrivacyControl)) || siteStorage[OPT_OUT_KEY] == 1
      ? 0
      : consentLevel;
  if (permitted) {
    // The held view, if any, goes first and is forgotten.
    heldView &&= void post("v", heldView);
    // Announced once per tab and address; later hits carry it as h.
    if (permitted > 1 && emailHash != tabStorage[hashStorageKey]) {
      tabStorage[hashStorageKey] = emailHash;
      post("i", {});
    }
    type && post(type, fields!);
  } else if (type == "v") heldView = fields;
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
  const summary = [seconds, maxDepth] + "";
  if (seconds && summary != lastEngagement) {
    lastEngagement = summary;
    send("e", { p: viewId, s: seconds, d: maxDepth });
  }
};

// visibilitychange, focus, blur and scroll.
const onActivity = () => (doc.hidden ? sendEngagement() : (updateFocusedTime(), updateDepth()));

const sendView = (referrer: string) => {
  sendEngagement();
  viewUrl = loc.href;
  viewPath = currentPath();
  viewPathAndQuery = viewPath + loc.search;
  focusedMs = maxDepth = focusStart = lastEngagement = 0;
  updateFocusedTime();
  // u again: a held view is sent later, maybe after the URL changed.
  send("v", { i: (viewId = newEventId()), u: viewUrl, r: referrer || void 0, w: innerWidth });
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

const queueStub = win[config.g] as SiteApi | undefined;
// A second copy of the script on the page must not wrap history twice.
if (!queueStub?.identify) {
  win[config.g] = api;

  api.identify = async (argument: { email: string }) => {
    try {
      const email = argument.email.trim().toLowerCase();
      // crypto.subtle is missing outside secure contexts: the throw drops the call.
      if (email.includes("@")) {
        emailHash = toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(email)));
        send();
      }
    } catch {}
  };

  // The site's `acme("consent", { personal })`, or a Google Consent Mode command from dataLayer.
  api.consent = (argument?: { personal?: unknown } | string, google?: GoogleConsentState) => {
    const adUserData = google?.ad_user_data;
    if (!google) {
      readGoogleConsent();
      setPersonalConsent((argument as { personal?: unknown } | undefined)?.personal);
      send();
    } else if (adUserData)
      argument == "update"
        ? setPersonalConsent(adUserData == "granted")
        : (consentLevel = (deniedByGoogleDefault ||= adUserData != "granted") ? config.c : 2);
  };

  // One flag per site (not per pixel key): every organization's script on the site reads it.
  api.optOut = () => {
    siteStorage[OPT_OUT_KEY] = 1;
    forgetEmailHash();
  };

  const start = () => {
    queueStub?.q?.map((call) => api(...(call as [string])));
    sendView(doc.referrer);
    for (const method of ["pushState", "replaceState"] as const) {
      const original = history[method];
      history[method] = function (this: History, ...args: Parameters<History["pushState"]>) {
        original.apply(this, args);
        onNavigation(method);
      };
    }
    listen("popstate", onNavigation);
    listen("hashchange", onNavigation);
    listen("pageshow", (event) => (event as PageTransitionEvent).persisted && sendView(doc.referrer));
    // Older Safari fires no visibilitychange when the page is left; pagehide always fires.
    listen("pagehide", sendEngagement);
    ["visibilitychange", "focus", "blur", "scroll"].map((type) => listen(type, onActivity));
  };
  // A prerendered page only counts once the visitor actually opens it.
  doc.prerendering ? doc.addEventListener("prerenderingchange", start) : start();
}
