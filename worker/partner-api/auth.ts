import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { fromHex, toHex } from "../lib/encoding";
import { KEY_PREFIX, SHOWN_PREFIX_LENGTH, keysWithPrefix, recordKeyUse } from "../partners/api-keys";
import { type Scope } from "../../shared/accounts";
import { clientAddress } from "../rate-limit/address";
import { tenantEnv } from "../shards";
import { countFailure, failingTooOften, rememberVerified, tooManyFailures } from "../rate-limit/failures";

const encoder = new TextEncoder();
/** lastUsedAt is written at most this often per key, so reads do not each cost a D1 write. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * `X-Partner-API-Key`: found by its shown prefix, then its SHA-256 compared in constant
 * time. Missing, unknown, revoked or expired → 401. Sets `partnerId`, its shard's `tenant` and `scopes`.
 * Every key looked up in vain counts against the caller's address (`FAILURE_LIMITER`); an
 * address over its budget gets 429 before its next key is looked up, unless that key worked here lately.
 */
export const partnerAuth = createMiddleware<AppEnv>(async (c, next) => {
  const plain = c.req.header("x-partner-api-key");
  if (!plain || !plain.startsWith(KEY_PREFIX) || plain.length > 128) throw unauthorized();
  const address = clientAddress(c.req.raw.headers);
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(plain));
  const credential = toHex(digest);
  if (failingTooOften("api-key", address, credential)) throw tooManyFailures();
  const candidates = await keysWithPrefix(c.env.CATALOG, plain.slice(0, SHOWN_PREFIX_LENGTH));
  const key = candidates.find((row) => crypto.subtle.timingSafeEqual(fromHex(row.key_hash), digest));
  const now = Date.now();
  const expired = key?.expires_at != null && Date.parse(key.expires_at) <= now;
  if (!key || key.status !== "active" || key.partner_status !== "active" || expired) {
    if (await countFailure(c.env, "api-key", address)) throw tooManyFailures();
    throw unauthorized();
  }
  rememberVerified("api-key", credential);

  c.set("partnerId", key.partner_id);
  c.set("tenant", tenantEnv(c.env, key.shard));
  c.set("apiKeyId", key.id);
  c.set("scopes", JSON.parse(key.scopes) as Scope[]);
  if (!key.last_used_at || now - Date.parse(key.last_used_at) > LAST_USED_RESOLUTION_MS) {
    c.executionCtx.waitUntil(recordKeyUse(c.env.CATALOG, key.id, now));
  }
  await next();
});

/**
 * Reads need `read`; every other method needs `write`; routes needing `admin` add `requireScope`.
 * Registered after the rate limiter, so a 403 is counted and carries the rate-limit headers.
 */
export const methodScope = createMiddleware<AppEnv>(async (c, next) => {
  const needed: Scope = c.req.method === "GET" || c.req.method === "HEAD" ? "read" : "write";
  if (!hasScope(c.get("scopes") as Scope[], needed))
    throw new ApiError("Forbidden", `This API key lacks the '${needed}' scope`);
  await next();
});

/** A key without scopes has full access; `admin` includes `write`, which includes `read`. */
export function hasScope(scopes: Scope[], needed: Scope): boolean {
  if (scopes.length === 0 || scopes.includes("admin")) return true;
  if (needed === "read") return scopes.includes("read") || scopes.includes("write");
  return scopes.includes(needed);
}

/**
 * Route middleware for what needs more than the method implies (docs/partner-api.md#scopes: API keys, webhooks,
 * billing changes, branding and domain need `admin`). Runs after `partnerAuth`.
 */
export const requireScope = (needed: Scope) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!hasScope(c.get("scopes") as Scope[], needed)) {
      throw new ApiError("Forbidden", `This API key lacks the '${needed}' scope`);
    }
    await next();
  });

const unauthorized = () => new ApiError("Unauthorized", "Missing or invalid X-Partner-API-Key");
