import type { Env } from "../env";
import { rateLimited, withinLimit } from "./binding";

/** The period of `HIT_LIMITER`, `PIXEL_LIMITER` and `FORWARDED_LIMITER` in wrangler.toml (where their limits are set). */
const PERIOD_SECONDS = 60;

/**
 * Counts one hit for (pixel key, client address), then for the pixel key from every address (H4:
 * a global budget, so many addresses together are bounded too); over `HIT_LIMITER`'s or
 * `PIXEL_LIMITER`'s limit → 429 `RateLimited`. An address over its own budget spends none of the key's.
 */
export async function limitHits(env: Env, pixelKey: string, address: string): Promise<void> {
  if (!(await withinLimit(env.HIT_LIMITER, `${pixelKey}|${address}`))) {
    throw rateLimited("Too many hits for this pixel key from this address", PERIOD_SECONDS);
  }
  if (!(await withinLimit(env.PIXEL_LIMITER, pixelKey))) {
    throw rateLimited("Too many hits for this pixel key", PERIOD_SECONDS);
  }
}

/**
 * Forwarded addresses this isolate already let through in the current minute, per (pixel key,
 * connecting address). Bounded: past `BELIEVED_MAX` entries it starts afresh, which only counts
 * some addresses again (never fewer).
 */
let believed = { minute: 0, addresses: new Set<string>() };
const BELIEVED_MAX = 20_000;

/**
 * N14: whether a proxy's signed address is believed. Each (pixel key, connecting address) may
 * vouch for `FORWARDED_LIMITER`'s limit of distinct addresses a minute; an address this isolate let
 * through this minute is not counted again. Isolates and locations count on their own, so an address
 * may count more than once (the cap bites earlier), never less. Past the cap the hit is handled as
 * the proxy's own, under its address's budget.
 */
export async function believeForwarded(
  env: Env,
  pixelKey: string,
  connecting: string,
  visitor: string,
): Promise<boolean> {
  const minute = Math.floor(Date.now() / (PERIOD_SECONDS * 1000));
  if (believed.minute !== minute || believed.addresses.size >= BELIEVED_MAX) {
    believed = { minute, addresses: new Set() };
  }
  const pair = `${pixelKey}|${connecting}|${visitor}`;
  if (believed.addresses.has(pair)) return true;
  if (!(await withinLimit(env.FORWARDED_LIMITER, `${pixelKey}|${connecting}`))) return false;
  believed.addresses.add(pair);
  return true;
}
