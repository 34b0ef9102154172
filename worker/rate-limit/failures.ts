import type { Env } from "../env";
import { rateLimited, withinLimit } from "./binding";

/**
 * What failed: an API key (partner or operator), a pixel key, or a dashboard credential (a sign-in
 * link's token or a session cookie's secret). Each has its own budget per address.
 */
export type FailureKind = "api-key" | "pixel-key" | "dashboard";

/** `FAILURE_LIMITER`'s period in wrangler.toml: how long an address that went over stays refused. */
const PERIOD_SECONDS = 60;
const MAX_REMEMBERED = 10_000;
/** A credential this isolate found valid passes an address's refusal for this long after its last success. */
const VERIFIED_FOR_MS = 10 * 60_000;

/**
 * Addresses this isolate saw go over their failure budget, until when. The count itself lives in
 * the `FAILURE_LIMITER` namespace (shared by every isolate of the location); this memory is what
 * lets the next request be refused before it costs a lookup, since the binding can only count,
 * not peek.
 */
const refused = new Map<string, number>();
/**
 * Digests of credentials this isolate found valid lately, until when. Whoever shares an address
 * with someone sending bad keys (a NAT, a cloud's egress) keeps working with a key that works:
 * the refusal is for credentials nobody here has seen succeed.
 */
const verified = new Map<string, number>();

const slot = (kind: FailureKind, value: string) => `${kind}:${value}`;

function live(memory: Map<string, number>, key: string, now: number): boolean {
  const until = memory.get(key);
  if (until === undefined) return false;
  if (until > now) return true;
  memory.delete(key);
  return false;
}

function remember(memory: Map<string, number>, key: string, until: number) {
  if (memory.size >= MAX_REMEMBERED) memory.clear();
  memory.set(key, until);
}

/**
 * True while this address is refused for `kind` and `credential` (a digest of what it sent) did
 * not succeed here lately: check before any lookup of the credential.
 */
export function failingTooOften(kind: FailureKind, address: string, credential?: string, now = Date.now()): boolean {
  if (!live(refused, slot(kind, address), now)) return false;
  return credential === undefined || !live(verified, slot(kind, credential), now);
}

/** Counts one failed lookup; true when the address has now gone over its budget (and is refused from now on). */
export async function countFailure(env: Env, kind: FailureKind, address: string): Promise<boolean> {
  if (await withinLimit(env.FAILURE_LIMITER, slot(kind, address))) return false;
  remember(refused, slot(kind, address), Date.now() + PERIOD_SECONDS * 1000);
  return true;
}

/** Records that `credential` (a digest) was just found valid, so an address's refusal lets it through. */
export function rememberVerified(kind: FailureKind, credential: string, now = Date.now()): void {
  remember(verified, slot(kind, credential), now + VERIFIED_FOR_MS);
}

export const tooManyFailures = () =>
  rateLimited("Too many failed authentications from this address; wait before trying again", PERIOD_SECONDS);

/** Forgets every refused address and verified credential, as a fresh isolate would (tests). */
export function forgetFailures(): void {
  refused.clear();
  verified.clear();
}
