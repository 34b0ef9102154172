/**
 * The hit protocol between the pixel and the Worker.
 *
 * One JSON object per request, sent as a `text/plain` body so the browser
 * treats it as a CORS "simple" request (no preflight). Keys are one letter
 * because every byte of the pixel ships to every page view of every client.
 * The Worker validates hits with the zod schema in `worker/collect/hit-schema.ts`,
 * which is checked against these types at compile time.
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

/** Configuration the Worker injects into the served script in place of `__CONFIG__`. */
export interface PixelConfig {
  /** Pixel API key. */
  k: string;
  /** Absolute URL hits are posted to (same origin the script was served from). */
  e: string;
  /** Global name of the command queue (`window[g].q`), chosen per partner. */
  g: string;
  /** 1: count hash changes (`#/route`) as page views. */
  h: 0 | 1;
  /** 1: send nothing when the browser signals Do-Not-Track or Global Privacy Control. */
  p: 0 | 1;
  /** The consent level the organization's consent mode grants before the site says anything. */
  c: ConsentLevel;
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
