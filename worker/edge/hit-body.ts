import { EMAIL_SHA256, EMAIL_SHA256_RULE } from "../lib/email-hash";
import { type EngagementHit, type Hit, hitFromArray, type IdentifyHit, type PageViewHit } from "../../shared/hit";

/**
 * A hit body checked by hand, not by zod: the pixel path's cold start pays for every module it
 * imports, and zod alone costs more than the whole edge (docs/architecture.md#cold-start). The
 * rules are those of the protocol (shared/hit.ts); a hit keeps only the fields of its kind.
 */
export type ParsedHit = { hit: Hit } | { problems: { field: string; message: string }[] };

class Problem {
  readonly message: string;
  constructor(message: string) {
    this.message = message;
  }
}

/** A field's rule: the value as the hit keeps it, or what is wrong with it. */
type Check<T> = (value: unknown) => T | Problem;

const text =
  (max: number, pattern?: RegExp, rule = ""): Check<string> =>
  (value) => {
    if (typeof value !== "string") return new Problem("must be a string");
    if (value.length > max) return new Problem(`must be at most ${max} characters`);
    if (pattern && !pattern.test(value)) return new Problem(rule);
    return value;
  };

const whole =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check<number> =>
  (value) => {
    if (typeof value !== "number" || !Number.isSafeInteger(value)) return new Problem("must be a whole number");
    if (value < min || value > max) return new Problem(`must be from ${min} to ${max}`);
    return value;
  };

const pixelKey: Check<string> = (value) =>
  typeof value === "string" && value.length < 8 ? new Problem("must be at least 8 characters") : text(64)(value);

const eventId = text(36, /^[0-9a-f-]{32,36}$/i, "must be a UUID or 32 hex digits");

const emailHash = text(64, EMAIL_SHA256, EMAIL_SHA256_RULE);

const pageUrl: Check<string> = (value) => {
  const url = text(4096)(value);
  if (url instanceof Problem) return url;
  return URL.canParse(url) && /^https?:$/.test(new URL(url).protocol) ? url : new Problem("must be an http(s) URL");
};

const automationFlag: Check<1> = (value) => (value === 1 ? 1 : new Problem("must be 1"));

/** A wall dashboard can stay focused for days: clamp rather than lose the engagement. */
const engagedSeconds: Check<number> = (value) => {
  const seconds = whole(0)(value);
  return seconds instanceof Problem ? seconds : Math.min(seconds, 86_400);
};

/**
 * Each field of a kind with its rule, and whether the protocol requires it: the compiler holds
 * these tables to the types of shared/hit.ts (every field there, required exactly where it is).
 */
type Rules<T> = {
  [K in Exclude<keyof T, "t">]-?: readonly [
    check: Check<NonNullable<T[K]>>,
    required: object extends Pick<T, K> ? false : true,
  ];
};

const base = { k: [pixelKey, true], i: [eventId, true], u: [pageUrl, true], b: [automationFlag, false] } as const;

const pageView: Rules<PageViewHit> = {
  ...base,
  h: [emailHash, false],
  r: [text(2048), false],
  w: [whole(0, 100_000), false],
};
const engagement: Rules<EngagementHit> = {
  ...base,
  h: [emailHash, false],
  p: [eventId, true],
  s: [engagedSeconds, true],
  d: [whole(0, 100), true],
};
const identify: Rules<IdentifyHit> = { ...base, h: [emailHash, true] };

const RULES: Record<Hit["t"], Record<string, readonly [Check<unknown>, boolean]>> = {
  v: pageView,
  e: engagement,
  i: identify,
};

/** A hit body (the object form, or the array form the pixel sends) as a hit, or every field that is wrong. */
export function parseHit(body: unknown): ParsedHit {
  const input = Array.isArray(body) ? hitFromArray(body) : body;
  if (typeof input !== "object" || input === null) return { problems: [{ field: "", message: "must be an object" }] };
  const fields = input as Record<string, unknown>;
  if (typeof fields.t !== "string" || !Object.hasOwn(RULES, fields.t)) {
    return { problems: [{ field: "t", message: 'must be "v", "e" or "i"' }] };
  }
  const hit: Record<string, unknown> = { t: fields.t };
  const problems: { field: string; message: string }[] = [];
  for (const [field, [check, required]] of Object.entries(RULES[fields.t as Hit["t"]])) {
    const value = Object.hasOwn(fields, field) ? fields[field] : undefined;
    if (value === undefined) {
      if (required) problems.push({ field, message: "is required" });
      continue;
    }
    const checked = check(value);
    if (checked instanceof Problem) problems.push({ field, message: checked.message });
    else hit[field] = checked;
  }
  return problems.length > 0 ? { problems } : { hit: hit as unknown as Hit };
}
