import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { limiterUnavailable } from "./binding";
import type { RateLimitDecision } from "./limiter";

/**
 * Counts every authenticated partner request in the partner's `RateLimiter` and puts the three
 * `X-RateLimit-*` headers on the response, errors included (headers set on the context before
 * a throw survive into the envelope `onError` builds). Over the limit → 429 `RateLimited`; a limiter
 * that cannot answer → 503 `ServiceUnavailable` (the request is not served).
 */
export const partnerRateLimit = createMiddleware<AppEnv>(async (c, next) => {
  let decision: RateLimitDecision;
  try {
    decision = await c.env.RATE_LIMITER.getByName(c.get("partnerId")).hit();
  } catch (err) {
    // Fails closed: an overloaded limiter must not switch the limit off for whoever overloads it.
    throw limiterUnavailable(err);
  }
  setHeaders(c.header, decision);
  if (!decision.allowed) {
    const retryAfter = Math.max(1, Math.ceil(decision.reset - Date.now() / 1000));
    c.header("Retry-After", String(retryAfter));
    throw new ApiError("RateLimited", `Rate limit of ${decision.limit} requests per minute exceeded`, {
      limit: decision.limit,
      reset: decision.reset,
      retryAfter,
    });
  }
  await next();
  // A handler may have returned a Response of its own: the headers go on it too.
  setHeaders(c.header, decision);
});

function setHeaders(header: (name: string, value: string) => void, decision: RateLimitDecision) {
  header("X-RateLimit-Limit", String(decision.limit));
  header("X-RateLimit-Remaining", String(decision.remaining));
  header("X-RateLimit-Reset", String(decision.reset));
}
