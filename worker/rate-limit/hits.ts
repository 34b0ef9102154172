import type { Env } from "../env";
import { rateLimited, withinLimit } from "./binding";

/** `HIT_LIMITER`'s period in wrangler.toml (where its limit, 300 by default, is set). */
const PERIOD_SECONDS = 60;

/** Counts one hit for (pixel key, client address); over `HIT_LIMITER`'s limit → 429 `RateLimited`. */
export async function limitHits(env: Env, pixelKey: string, address: string): Promise<void> {
  if (!(await withinLimit(env.HIT_LIMITER, `${pixelKey}|${address}`))) {
    throw rateLimited("Too many hits for this pixel key from this address", PERIOD_SECONDS);
  }
}
