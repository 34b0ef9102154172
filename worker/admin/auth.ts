import { createMiddleware } from "hono/factory";
import { configOf } from "../config";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { secretsEqual } from "../lib/crypto";
import { clientAddress } from "../rate-limit/address";
import { countFailure, failingTooOften, tooManyFailures } from "../rate-limit/failures";

/**
 * Operator routes: `X-Admin-API-Key` must equal the `ADMIN_API_KEY` secret (compared in constant time).
 * Wrong keys count against the caller's address like bad partner keys; over the budget, 429 before any comparison.
 */
export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const address = clientAddress(c.req.raw.headers);
  if (failingTooOften("api-key", address)) throw tooManyFailures();
  const given = c.req.header("x-admin-api-key");
  const expected = configOf(c.env).adminApiKey;
  if (!expected || !given || !(await secretsEqual(given, expected))) {
    if (await countFailure(c.env, "api-key", address)) throw tooManyFailures();
    throw new ApiError("Unauthorized", "Missing or invalid X-Admin-API-Key");
  }
  await next();
});
