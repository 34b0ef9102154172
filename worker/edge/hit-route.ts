import { Hono } from "hono";
import type { EdgeRejection } from "../../shared/billing";
import { HIT_PATH, MAX_HIT_BYTES } from "../../shared/hit";
import type { AppEnv } from "../env";
import { limitBody } from "../lib/body-limit";
import { ApiError } from "../lib/errors";
import { isPixelKey } from "../pixel-config/key";
import { loadPixelRecord, type PixelRecord } from "../pixel-config/record";
import { clientAddress, subscriberOf } from "../rate-limit/address";
import { believeForwarded, limitHits } from "../rate-limit/hits";
import { isBot } from "./bots";
import { claimsForwarding, forwardedAddress } from "./forwarded-address";
import { collectHit } from "../collect/collectors";
import { parseHit } from "./hit-body";
import type { HitMessage } from "../collect/message";
import { referrerAllowed } from "../pixel-config/referrers";

/**
 * The hot path: validate, count the hit for (key, address) and for the key, look the key up, check the
 * referrer, hand the hit to its collector (which puts it in its hit queue, bundled with others), answer.
 * The address is the connecting one, or the visitor's that a first-party proxy forwarded and signed with
 * the pixel's secret for this hit (forwarded-address.ts), as long as the proxy's address stays within its
 * distinct forwarded addresses a minute. Identification, charging and storage happen in the queue
 * consumer, so the page's request costs a lookup (mostly from memory) and one collector call. The answer
 * carries no identification data.
 */
export const hitRoute = new Hono<AppEnv>().post(
  HIT_PATH,
  async (c, next) => {
    // Any site may send hits; CORS headers only matter to a page that reads the reply.
    c.header("access-control-allow-origin", "*");
    await next();
  },
  limitBody(MAX_HIT_BYTES),
  async (c) => {
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    const body = new TextDecoder().decode(bytes);

    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new ApiError("BadRequest", "Body must be a JSON object");
    }
    const parsed = parseHit(json);
    if ("problems" in parsed) throw new ApiError("BadRequest", "Invalid hit", parsed.problems);
    const hit = parsed.hit;
    if (!isPixelKey(hit.k)) throw unknownKey();
    const headers = c.req.raw.headers;
    const connecting = clientAddress(headers);
    let known: PixelRecord | null = null;
    // The pixel already sends nothing under DNT/GPC; this covers cached old scripts and other clients.
    // Such a hit of an organization that honours the signals is dropped: nothing is queued, counted or
    // stored, so it spends no hit budget (the lookup is the script route's, which has none either).
    if (headers.get("dnt") === "1" || headers.get("sec-gpc") === "1") {
      known = await loadPixelRecord(c.env, c.executionCtx, hit.k, connecting);
      if (!known) throw unknownKey();
      if (known.respectPrivacySignals && known.enabled && referrerAllowed(hit.u, headers, known.allowedReferrers)) {
        return c.body(null, 204);
      }
    }
    // A first-party proxy's forwarded address needs the pixel's secret: its hits are counted after the lookup.
    const forwarding = claimsForwarding(headers);
    if (!forwarding) await limitHits(c.env, hit.k, connecting);

    const found = known ?? (await loadPixelRecord(c.env, c.executionCtx, hit.k, connecting));
    if (!found) throw unknownKey();
    const through = forwarding
      ? await forwardedAddress(c.env, c.executionCtx, headers, found, { pixelKey: hit.k, body: bytes })
      : { address: null, record: found };
    const record = through.record;
    let forwarded = through.address;
    if (forwarded !== null && !(await believeForwarded(c.env, hit.k, connecting, subscriberOf(forwarded)))) {
      forwarded = null;
    }
    if (forwarding) await limitHits(c.env, hit.k, forwarded === null ? connecting : subscriberOf(forwarded));
    const receivedAt = Date.now();
    const reject = (reason: EdgeRejection) => {
      const message: HitMessage = {
        kind: "rejected",
        organizationId: record.organizationId,
        shard: record.shard,
        reason,
        receivedAt,
      };
      c.executionCtx.waitUntil(collectHit(c.env, hit.k, message)); // a lost count costs nothing; the answer need not wait
    };
    if (!record.enabled) {
      reject("disabled");
      throw new ApiError("Forbidden", "Disabled");
    }
    if (!referrerAllowed(hit.u, headers, record.allowedReferrers)) {
      reject("referrer_not_allowed");
      throw new ApiError("Forbidden", "Host not allowed");
    }
    // Through a verified proxy, Cloudflare's location is the proxy's, not the visitor's.
    const cf =
      forwarded === null
        ? (c.req.raw.cf as { country?: string; region?: string; city?: string } | undefined)
        : undefined;
    const userAgent = c.req.header("user-agent") ?? null;
    const message: HitMessage = {
      kind: "hit",
      hit,
      organizationId: record.organizationId,
      shard: record.shard,
      partnerId: record.partnerId,
      productType: record.productType,
      ip: forwarded ?? c.req.header("cf-connecting-ip") ?? null,
      userAgent,
      country: cf?.country ?? null,
      region: cf?.region ?? null,
      city: cf?.city ?? null,
      bot: isBot(userAgent, hit.b === 1),
      hashRouting: record.hashRouting,
      receivedAt,
    };
    // Awaited: once its collector has put it in the queue, the hit survives anything that happens next.
    await collectHit(c.env, hit.k, message);
    return c.body(null, 204);
  },
);

const unknownKey = () => new ApiError("NotFound", "Unknown key");
