import { Hono } from "hono";
import { configOf } from "../config";
import { hostnameNotified } from "../custom-hostnames/lifecycle";
import type { AppEnv } from "../env";
import { limitBody } from "../lib/body-limit";
import { ApiError } from "../lib/errors";
import { secretsEqual } from "../lib/crypto";
import { clientAddress } from "../rate-limit/address";
import { countFailure, failingTooOften, tooManyFailures } from "../rate-limit/failures";

/** Cloudflare's notification bodies are a few hundred bytes. */
const MAX_NOTIFICATION_BYTES = 64 * 1024;

/**
 * `POST /api/v1/cloudflare/notifications`: Cloudflare Notifications ("SSL for SaaS Custom
 * Hostnames" alerts) as a generic webhook. Cloudflare sends the destination's secret in
 * `cf-webhook-auth` (notifications/get-started/configure-webhooks); it must equal
 * `CLOUDFLARE_NOTIFICATION_SECRET`. A notification names a custom hostname (`data.id`); the
 * hostname is then read again from Cloudflare's API, so the body is never trusted for its state.
 * Cloudflare's test message (`{ "text": … }`) and hostnames that are not ours answer 200.
 */
export const cloudflareHooks = new Hono<AppEnv>().post(
  "/cloudflare/notifications",
  limitBody(MAX_NOTIFICATION_BYTES),
  async (c) => {
    const expected = configOf(c.env).cloudflareNotificationSecret;
    if (!expected || !configOf(c.env).cloudflare) throw new ApiError("NotFound", "Notifications are not configured");
    const address = clientAddress(c.req.raw.headers);
    if (failingTooOften("api-key", address)) throw tooManyFailures();
    const given = c.req.header("cf-webhook-auth");
    if (!given || !(await secretsEqual(given, expected))) {
      if (await countFailure(c.env, "api-key", address)) throw tooManyFailures();
      throw new ApiError("Unauthorized", "Missing or invalid cf-webhook-auth");
    }
    const body = (await c.req.json().catch(() => null)) as { data?: { id?: unknown } } | null;
    const id = body?.data?.id;
    const known = typeof id === "string" && id.length <= 64 ? await hostnameNotified(c.env, id) : false;
    return c.json({ received: true, known }, 200);
  },
);
