/**
 * The hit protocol between the pixel and the Worker.
 *
 * One JSON value per request, sent as a `text/plain` body so the browser
 * treats it as a CORS "simple" request (no preflight): an object with one-letter
 * keys (the types below), or the shorter array form the pixel sends (`hitFromArray`),
 * because every byte of the pixel ships to every page view of every client.
 * The Worker checks hits with the rules of `worker/edge/hit-body.ts`, which the
 * compiler holds to these types.
 */

/** Event kinds: page view, engagement (sent when leaving a page), identify (B2C). */
export type HitType = "v" | "e" | "i";

export interface HitBase {
  /** Pixel API key of the organization. */
  k: string;
  /** Event kind. */
  t: HitType;
  /** Random event id (UUID or 32 hex); the server charges and stores each id at most once. */
  i: string;
  /** Full URL of the page the event belongs to. */
  u: string;
  /** 1 when the browser reports automation (`navigator.webdriver`). */
  b?: 1;
  /** SHA-256 hex of the visitor's normalised email, once `identify` was called in this tab. */
  h?: string;
}

/** A page view: on load, on every SPA navigation and on restore from the back/forward cache. */
export interface PageViewHit extends HitBase {
  t: "v";
  /** The referring URL (`document.referrer` on landing, the previous URL on SPA navigation). */
  r?: string;
  /** Viewport width in CSS pixels, for the device type. */
  w?: number;
}

/** Engagement of one page view, sent when the page is hidden, left, or replaced by SPA navigation. */
export interface EngagementHit extends HitBase {
  t: "e";
  /** Event id of the page view this engagement belongs to. */
  p: string;
  /** Seconds the page was visible and focused (cumulative for that page view). */
  s: number;
  /** Maximum scroll depth reached, 0–100 percent. */
  d: number;
}

/** `identify({ email })`: the email is normalised and hashed in the browser; only `h` is sent. */
export interface IdentifyHit extends HitBase {
  t: "i";
  h: string;
}

export type Hit = PageViewHit | EngagementHit | IdentifyHit;

/** Positions in the array form: the fields every hit has, then those of its kind. */
const ARRAY_FIELDS = ["k", "t", "i", "u", "h", "b"] as const;
const ARRAY_FIELDS_OF_KIND: Record<string, readonly string[]> = { v: ["r", "w"], e: ["p", "s", "d"], i: [] };
/** Event ids and the email hash travel as their bytes in decimal, joined by commas ("3,141,…"). */
const BYTE_LIST = /^\d{1,3}(,\d{1,3})*$/;

/**
 * The array form of a hit, as the pixel sends it, turned into the object form:
 * `[k, t, i, u, h, b, …kind]`, where kind is `r, w` (page view), `p, s, d` (engagement) or nothing
 * (identify). In it `i`, `p` and `h` may be byte lists, `b` is `navigator.webdriver` (a boolean)
 * and `d` a share of the document (1 = its bottom, more is capped at 100 %);
 * `null`, `false` and `""` mean the field is absent. Anything else is passed on as it is, for the
 * schema to judge; extra elements are ignored.
 */
export function hitFromArray(list: unknown[]): Record<string, unknown> {
  const names = [...ARRAY_FIELDS, ...(ARRAY_FIELDS_OF_KIND[String(list[1])] ?? [])];
  const hit: Record<string, unknown> = {};
  names.forEach((name, n) => {
    const value = list[n];
    if (value !== null && value !== false && value !== "" && value !== undefined) hit[name] = value;
  });
  for (const name of ["i", "p", "h"]) {
    const value = hit[name];
    if (typeof value == "string" && BYTE_LIST.test(value)) hit[name] = bytesToHex(value);
  }
  if (hit.b === true) hit.b = 1;
  if (hit.t == "e" && typeof hit.d == "number") hit.d = Math.min(100, Math.round(hit.d * 100));
  return hit;
}

/** "3,141,…" → "038d…"; a number over 255 leaves the list as it is (and the schema rejects it). */
function bytesToHex(list: string): string {
  const bytes = list.split(",").map(Number);
  return bytes.every((byte) => byte < 256) ? bytes.map((byte) => byte.toString(16).padStart(2, "0")).join("") : list;
}

/** Configuration the Worker injects into the served script in place of `__CONFIG__`. */
export interface ServedConfig {
  /** Pixel API key. */
  k: string;
  /** Where hits are posted: the origin the script was served from, or a first-party proxy's path on the page's origin. */
  e: string;
  /** Global name of the command queue (`window[g].q`), chosen per partner. */
  g: string;
  /** The consent level the organization's consent mode grants before the site says anything. */
  c: ConsentLevel;
}

/** What the Worker serves a script from (pixel/serve.ts): the served config and what selects the script. */
export interface PixelConfig extends ServedConfig {
  /** 1: count hash changes (`#/route`) as page views (a build of its own). */
  h: 0 | 1;
  /** 1: honour Do-Not-Track and Global Privacy Control: browsers sending them get a script that sends nothing. */
  p: 0 | 1;
}

/**
 * Consent modes of a pixel: what waits for the site's consent (docs/pixel.md).
 * - `personal`: page views and company identification run; the email hash waits for personal consent.
 * - `all`: nothing is sent until the site grants consent.
 * - `off`: no gating (sites that load the script only after their own consent banner).
 */
export const CONSENT_MODES = ["personal", "all", "off"] as const;
export type ConsentMode = (typeof CONSENT_MODES)[number];

/** 0: nothing may be sent; 1: hits without the email hash; 2: everything. */
export type ConsentLevel = 0 | 1 | 2;

/** The level each mode grants by itself (`c` in the config); the site's personal consent raises it to 2. */
export const CONSENT_LEVEL_OF_MODE: Record<ConsentMode, ConsentLevel> = { all: 0, personal: 1, off: 2 };

/**
 * localStorage key of a visitor's opt-out on a client's site. The same for every organization and
 * partner, so one opt-out covers every script on the site; neutral, as the site can see it.
 */
export const OPT_OUT_KEY = "optout";

/** Largest hit body the Worker accepts, in bytes. */
export const MAX_HIT_BYTES = 8192;

/** Path the pixel posts hits to; neutral so ad-block lists do not match it. */
export const HIT_PATH = "/e";

/** Path prefix of the served script: `/s/{pixelKey}.js`. */
export const SCRIPT_PATH_PREFIX = "/s/";
