import { createMiddleware } from "hono/factory";
import { configOf } from "../config";
import type { AppEnv } from "../env";
import { ApiError } from "../http/errors";
import { secretsEqual } from "../lib/crypto";

/** Operator routes: `X-Admin-API-Key` must equal the `ADMIN_API_KEY` secret (compared in constant time). */
export const adminAuth = createMiddleware<AppEnv>(async (c, next) => {
  const given = c.req.header("x-admin-api-key");
  const expected = configOf(c.env).adminApiKey;
  if (!expected || !given || !(await secretsEqual(given, expected))) {
    throw new ApiError("Unauthorized", "Missing or invalid X-Admin-API-Key");
  }
  await next();
});
