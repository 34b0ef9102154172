import type { Env } from "../env";
import { rateLimited, withinLimit } from "./binding";

/** `DASHBOARD_LIMITER`'s period in wrangler.toml (where its limit, 120 by default, is set). */
const PERIOD_SECONDS = 60;

/** Counts one request of a signed-in dashboard or console session; over `DASHBOARD_LIMITER`'s limit → 429. */
export async function limitSession(env: Env, sessionId: string): Promise<void> {
  if (!(await withinLimit(env.DASHBOARD_LIMITER, `session:${sessionId}`))) {
    throw rateLimited("Too many requests in this session; wait a moment", PERIOD_SECONDS);
  }
}

/**
 * Counts one action (a form post, an export) for the client's address as well, so many sessions
 * opened from one place buy no more writes or exports; over the limit → 429.
 */
export async function limitActions(env: Env, address: string): Promise<void> {
  if (!(await withinLimit(env.DASHBOARD_LIMITER, `address:${address}`))) {
    throw rateLimited("Too many actions from this address; wait a moment", PERIOD_SECONDS);
  }
}
