import type { Env } from "../env";
import { rateLimited, withinLimit } from "./binding";

/** What failed: an API key (partner or operator) or a pixel key. Each has its own budget per address. */
export type FailureKind = "api-key" | "pixel-key";

/** `FAILURE_LIMITER`'s period in wrangler.toml: how long an address that went over stays refused. */
const PERIOD_SECONDS = 60;
const MAX_REMEMBERED = 10_000;

/**
 * Addresses this isolate saw go over their failure budget, until when. The count itself lives in
 * the `FAILURE_LIMITER` namespace (shared by every isolate of the location); this memory is what
 * lets the next request be refused before it costs a lookup, since the binding can only count,
 * not peek.
 */
const refused = new Map<string, number>();

const slot = (kind: FailureKind, address: string) => `${kind}:${address}`;

/** True while this address is refused for `kind`: check before any lookup of a key it sent. */
export function failingTooOften(kind: FailureKind, address: string, now = Date.now()): boolean {
  const until = refused.get(slot(kind, address));
  if (until === undefined) return false;
  if (until > now) return true;
  refused.delete(slot(kind, address));
  return false;
}

/** Counts one failed lookup; true when the address has now gone over its budget (and is refused from now on). */
export async function countFailure(env: Env, kind: FailureKind, address: string): Promise<boolean> {
  if (await withinLimit(env.FAILURE_LIMITER, slot(kind, address))) return false;
  if (refused.size >= MAX_REMEMBERED) refused.clear();
  refused.set(slot(kind, address), Date.now() + PERIOD_SECONDS * 1000);
  return true;
}

export const tooManyFailures = () =>
  rateLimited("Too many failed authentications from this address; wait before trying again", PERIOD_SECONDS);

/** Forgets every refused address, as a fresh isolate would (tests). */
export function forgetFailures(): void {
  refused.clear();
}
