import { ApiError } from "../lib/errors";

/** Seconds a client is told to wait after a 503 from a limiter that could not answer. */
const UNAVAILABLE_RETRY_SECONDS = 5;

/**
 * One count in a Workers Rate Limiting namespace: true while `key` is within its limit.
 * A limiter that cannot answer fails closed: 503 `ServiceUnavailable` with `Retry-After`,
 * never a request served uncounted.
 */
export async function withinLimit(limiter: RateLimit, key: string): Promise<boolean> {
  try {
    return (await limiter.limit({ key })).success;
  } catch (error) {
    throw limiterUnavailable(error);
  }
}

export function limiterUnavailable(cause: unknown): ApiError {
  console.error("rate limiter unavailable; request refused", cause);
  return new ApiError(
    "ServiceUnavailable",
    "Rate limiter unavailable; retry shortly",
    { retryAfter: UNAVAILABLE_RETRY_SECONDS },
    { cause },
  );
}

/** 429 `RateLimited` for a Workers Rate Limiting namespace, whose window is `period` seconds at most. */
export const rateLimited = (message: string, period: number) =>
  new ApiError("RateLimited", message, { retryAfter: period });
