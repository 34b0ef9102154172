/**
 * The browser script. Every byte ships with every page view of every client
 * site, so the code favours size: closures instead of classes, no polyfills
 * (ES2020), browser globals spelled out (gzip finds the repeats), code selected per
 * pixel at build time (hash routing) and at serve time (Do-Not-Track, pixel/serve.ts).
 * Names are long: the minifier shortens everything local. Behaviour and reasons: docs/pixel.md.
 *
 * Whitelabel: nothing here may name the platform. No strings like the product
 * name or ad-block bait words; the global comes from the config only.
 */
import type { HitType, OPT_OUT_KEY, ServedConfig } from "../../shared/hit";

// Replaced by the Worker with a JSON object literal (pixel/serve.ts).
declare const __CONFIG__: ServedConfig;
// Set per build (pixel/build.ts): the Worker serves the build that matches the pixel's hash routing.
declare const __HASH_ROUTING__: boolean;

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
  interface Document {
    prerendering?: boolean;
  }
}

/** localStorage as the script reads it; the opt-out key is spelled out, shorter than an index. */
type SiteStorage = Partial<Record<typeof OPT_OUT_KEY, unknown>> & Record<string, unknown>;

const config = __CONFIG__;
// The page identity: the hash only counts for hash routers.
const currentPath = () => (__HASH_ROUTING__ ? location.pathname + location.hash : location.pathname);
// Bytes travel as their decimal values joined by commas ("3,141,…"), the cheapest encoding
// a browser offers; the Worker turns them into hex (shared/hit.ts). getRandomValues, unlike
// crypto.randomUUID, also works on plain-http sites.
const newEventId = () => crypto.getRandomValues(new Uint8Array(16)) + "";

// Storage throws where it is blocked (sandboxed frames, some privacy settings): a plain
// object stands in, so the page works, but nothing outlives it.
let tabStorage: Record<string, unknown> = {};
let siteStorage: SiteStorage = {};
try {
  tabStorage = sessionStorage;
  siteStorage = localStorage;
} catch {}
// Derived from the partner's global name, never from the platform's.
const hashStorageKey = config.g + "_h";

// The current page view; engagement accumulates per page view.
let viewId: string;
let viewUrl: string;
/** Referrer and viewport width of the current view until it is sent (consent may hold it back). */
let pendingView: unknown[] | undefined;
/**
 * Identity of the current view: replaceState compares the path, everything else the key
 * (path + query; with hash routing the whole URL, hash included).
 */
let viewPath: string;
let viewKey: string;
/** Milliseconds the view was visible and focused. */
let focusedMs: number;
/** Date.now() when the running focused period began; 0 while hidden or blurred. */
let focusStart: number;
/** The deepest share of the document seen, 0–1 (and a little over); the Worker makes it a percentage. */
let maxDepth: number;
/**
 * Seconds + depth of the last engagement of this view, so an unchanged one is not repeated. Both
 * only grow during a view, so the sum changes exactly when one of them does.
 */
let lastEngagement: number;

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

// Hits stop carrying the hash. The page keeps it in memory: if consent comes back, it is announced again.
const forgetEmailHash = () => delete tabStorage[hashStorageKey];

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
  for (const layer = window.dataLayer as unknown[]; googleEntriesRead < layer?.length;)
    api.apply(0, Object(layer[googleEntriesRead++]));
};

// A hit in the array form of shared/hit.ts. Every hit belongs to the current page view, so u is its URL.
// A string body is text/plain: a CORS "simple" request, never a preflight.
const post = (type: HitType, id: string, ...tail: unknown[]) =>
  navigator.sendBeacon?.(
    config.e,
    JSON.stringify([config.k, type, id, viewUrl, tabStorage[hashStorageKey], navigator.webdriver, ...tail]),
  );

// Sends what consent allows, in order: a new email hash (so the view carries it), the pending
// view, the engagement if given (its seconds). A prerendered page sends nothing until it is opened.
const send = (seconds?: unknown) => {
  readGoogleConsent();
  if (!document.prerendering && siteStorage.optout != 1 && consentLevel) {
    // Announced once per tab and address; later hits carry it as h.
    if (consentLevel > 1 && emailHash != tabStorage[hashStorageKey]) {
      tabStorage[hashStorageKey] = emailHash;
      post("i", newEventId());
    }
    pendingView &&= void post("v", viewId, ...pendingView);
    seconds && post("e", newEventId(), viewId, seconds, maxDepth);
  }
};

// Time accumulates only while the tab is visible and focused. Depth: the share of the
// document above the bottom edge of the viewport. Then whatever waited may go (a view
// held back until consent came, a prerendered page's view once the page is opened).
const update = () => {
  focusedMs += focusStart && Date.now() - focusStart;
  focusStart = +(!document.hidden && document.hasFocus()) && Date.now();
  maxDepth = Math.max(maxDepth, (scrollY + innerHeight) / document.documentElement.scrollHeight);
  send();
};

// The engagement goes only when the page was looked at for a second and something changed
// since the last engagement of this page view: saves requests on background tabs and on
// the hidden + pagehide pair, which usually carry the same values.
const sendEngagement = () => {
  update();
  const seconds = Math.round(focusedMs / 1e3);
  send(seconds && lastEngagement != (lastEngagement = seconds + maxDepth) && seconds);
};

const sendView = (referrer: string) => {
  // The previous view's engagement (and a view held back until now, before this one replaces it);
  // its update() also started this view's focused period.
  sendEngagement();
  viewUrl = location.href;
  viewPath = currentPath();
  viewKey = __HASH_ROUTING__ ? location.href : viewPath + location.search;
  focusedMs = maxDepth = lastEngagement = 0;
  viewId = newEventId();
  pendingView = [referrer, innerWidth];
  send();
};

// replaceState only counts when the path changes: apps rewrite the query
// string (filters, search boxes) with it on every keystroke.
const onNavigation = (replaced?: unknown) => {
  const path = currentPath();
  const key = __HASH_ROUTING__ ? location.href : path + location.search;
  if (replaced && path == viewPath) viewKey = key;
  else if (key != viewKey) sendView(viewUrl);
};

const queueStub = window[config.g] as SiteApi | undefined;
// A second copy of the script on the page must not wrap history twice.
if (!queueStub?.identify) {
  window[config.g] = api;

  api.identify = async (argument: { email: string }) => {
    try {
      const email = argument.email.trim().toLowerCase();
      // crypto.subtle is missing outside secure contexts: the throw drops the call.
      if (/@/.test(email)) {
        emailHash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(email))) + "";
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
    siteStorage.optout = 1;
    forgetEmailHash();
  };

  queueStub?.q?.map((call) => api(...(call as [string])));
  sendView(document.referrer);
  // The map index is 1 for replaceState.
  (["pushState", "replaceState"] as const).map((method, replaced) => {
    const original = history[method];
    history[method] = (...args: Parameters<History["pushState"]>) => {
      original.apply(history, args);
      onNavigation(replaced);
    };
  });
  // popstate: back, forward and hash changes. pagehide: older Safari fires no visibilitychange when
  // the page is left. pageshow with persisted: a restore from the back/forward cache. The others
  // update time and depth; prerenderingchange fires at the document, so the listeners capture.
  ["popstate", "pageshow", "pagehide", "visibilitychange", "focus", "blur", "scroll", "prerenderingchange"].map(
    (type) =>
      addEventListener(
        type,
        (event) =>
          type == "popstate"
            ? onNavigation()
            : type == "pagehide" || document.hidden
              ? sendEngagement()
              : (event as PageTransitionEvent).persisted
                ? sendView(document.referrer)
                : update(),
        true,
      ),
  );
}
