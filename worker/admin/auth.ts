import { createMiddleware } from "hono/factory";
import { configOf } from "../config";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { secretsEqual, sha256Hex } from "../lib/crypto";
import { clientAddress } from "../rate-limit/address";
import { countFailure, failingTooOften, rememberVerified, tooManyFailures } from "../rate-limit/failures";

/**
 * Operator routes: `X-Admin-API-Key` must equal the `ADMIN_API_KEY` secret (compared in constant time).
 * Wrong keys count against the caller's address like bad partner keys; over the budget, 429 before any
 * comparison, unless the key sent is the one that worked here lately.
 */
export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const address = clientAddress(c.req.raw.headers);
  const given = c.req.header("x-admin-api-key");
  const credential = given ? await sha256Hex(given) : undefined;
  if (failingTooOften("api-key", address, credential)) throw tooManyFailures();
  const expected = configOf(c.env).adminApiKey;
  if (!expected || !given || !(await secretsEqual(given, expected))) {
    if (await countFailure(c.env, "api-key", address)) throw tooManyFailures();
    throw new ApiError("Unauthorized", "Missing or invalid X-Admin-API-Key");
  }
  rememberVerified("api-key", credential!);
  await next();
});
