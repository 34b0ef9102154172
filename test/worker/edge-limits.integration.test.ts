import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { forgetLocationPixels, forgetRememberedPixels } from "../../worker/pixel-config/record";
import { forgetFailures } from "../../worker/rate-limit/failures";
import { expectEnvelope, fetchWith } from "./support/api";
import { newOrganization, tenantOfOrganization } from "./support/partners";
import { BROWSER_UA, freshIp, pageView, sendHit } from "./support/hits";
import { awayFromWindowEdge } from "./support/time";

/** `HIT_LIMITER` in wrangler.toml: hits per pixel key and address per minute. */
const HITS_PER_MINUTE = 300;
/** `FAILURE_LIMITER` in wrangler.toml: failed key lookups per address per minute. */
const FAILURES_PER_MINUTE = 30;

const randomKey = () =>
  [...crypto.getRandomValues(new Uint8Array(12))].map((b) => b.toString(16).padStart(2, "0")).join("");
const script = async (key: string, ip = freshIp()) =>
  (await exports.default.fetch(`https://api.test/s/${key}.js`, { headers: { "cf-connecting-ip": ip } })).text();

/** Sends `count` hits at once; each answer's status, in order. */
async function burst(count: number, hit: () => Parameters<typeof sendHit>, concurrency = 50) {
  const statuses: number[] = [];
  for (let sent = 0; sent < count; sent += concurrency) {
    const wave = Array.from({ length: Math.min(concurrency, count - sent) }, () => sendHit(...hit()));
    statuses.push(...(await Promise.all(wave)).map((res) => res.status));
  }
  return statuses;
}

/** A test that waits for a fresh rate-limit window may wait up to 20 s first. */
const WINDOW_TIMEOUT = 60_000;

/**
 * An organization whose pixel allows only another site: hits from client.example spend their budget, then
 * are refused with 403 (only counted, never stored), so a test can spend a budget without storing visits.
 */
async function refusingOrganization() {
  const org = await newOrganization();
  const res = await org.api("PUT", `/organizations/${org.organization.id}/pixel`, {
    allowedReferrers: ["elsewhere.example"],
  });
  expect(res.status, res.text).toBe(200);
  return org;
}

describe("the edge defends itself", () => {
  it(
    "H4: answers 429 past 300 hits a minute for one pixel key from one address, and only there",
    { timeout: WINDOW_TIMEOUT },
    async () => {
      const { pixelKey } = await refusingOrganization();
      const other = await refusingOrganization();
      const ip = freshIp();
      await awayFromWindowEdge();
      const statuses = await burst(HITS_PER_MINUTE, () => [pageView(pixelKey), { ip }]);
      expect(statuses.filter((s) => s === 403)).toHaveLength(HITS_PER_MINUTE);

      const over = await sendHit(pageView(pixelKey), { ip });
      expectEnvelope(over, 429, "RateLimited");
      expect(over.body.details).toEqual({ retryAfter: 60 });
      // Another address, or another key from the same address, has its own budget.
      expect((await sendHit(pageView(pixelKey), { ip: freshIp() })).status).toBe(403);
      expect((await sendHit(pageView(other.pixelKey), { ip })).status).toBe(403);
    },
  );

  it(
    "H4: counts an IPv6 visitor by its /64, so rotating addresses within it buys nothing",
    { timeout: WINDOW_TIMEOUT },
    async () => {
      const { pixelKey } = await refusingOrganization();
      const prefix = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:7`;
      const address = () =>
        `${prefix}:${Array.from({ length: 4 }, () => Math.floor(Math.random() * 0xffff).toString(16)).join(":")}`;
      await awayFromWindowEdge();
      const statuses = await burst(HITS_PER_MINUTE + 1, () => [pageView(pixelKey), { ip: address() }]);
      expect(statuses.filter((s) => s === 403)).toHaveLength(HITS_PER_MINUTE);
      expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    },
  );

  it(
    "H4: answers 429 past the pixel key's budget from every address together, and only for that key",
    { timeout: WINDOW_TIMEOUT },
    async () => {
      const { pixelKey } = await refusingOrganization();
      const other = await refusingOrganization();
      // PIXEL_LIMITER of wrangler.toml allows 6,000 hits a minute per key; this real binding allows 5.
      const small = { PIXEL_LIMITER: env.TEST_SMALL_LIMITER };
      const hit = (key: string, ip = freshIp()) =>
        fetchWith(small, "/e", {
          method: "POST",
          headers: {
            "content-type": "text/plain",
            origin: "https://client.example",
            "user-agent": BROWSER_UA,
            "cf-connecting-ip": ip,
          },
          body: JSON.stringify(pageView(key)),
        });
      await awayFromWindowEdge();
      // Five addresses, one hit each, are within every address's own budget.
      for (let i = 0; i < 5; i++) expect((await hit(pixelKey)).status).toBe(403);
      const over = await hit(pixelKey);
      expectEnvelope(over, 429, "RateLimited");
      expect(over.body.details).toEqual({ retryAfter: 60 });
      expect((await hit(other.pixelKey)).status).toBe(403);
    },
  );

  it(
    "answers a Do-Not-Track hit of an organization that honours it with 204 and spends no hit budget on it",
    { timeout: WINDOW_TIMEOUT },
    async () => {
      const { pixelKey } = await newOrganization();
      const ip = freshIp();
      await awayFromWindowEdge();
      // Nothing is queued, counted or stored for these, so past the budget they are still answered.
      const statuses = await burst(HITS_PER_MINUTE + 20, () => [pageView(pixelKey), { ip, headers: { dnt: "1" } }]);
      expect(statuses.filter((s) => s === 204)).toHaveLength(HITS_PER_MINUTE + 20);
      // The address's budget is untouched: its first hit without the signal is counted as usual.
      expect((await sendHit(pageView(pixelKey), { ip })).status).toBe(204);
    },
  );

  it("H4: refuses hits with 503 when the hit limiter cannot answer (fails closed)", async () => {
    const { pixelKey } = await newOrganization();
    const broken = { limit: () => Promise.reject(new Error("rate limiter unreachable")) } as unknown as RateLimit;
    const res = await fetchWith({ HIT_LIMITER: broken }, "/e", {
      method: "POST",
      headers: { "content-type": "text/plain", origin: "https://client.example", "user-agent": BROWSER_UA },
      body: JSON.stringify(pageView(pixelKey)),
    });
    expectEnvelope(res, 503, "ServiceUnavailable");
    expect(res.headers.get("retry-after")).toBe("5");
  });

  it("M7: remembers an unknown pixel key without writing KV, and never asks D1 again while it is known unknown", async () => {
    const key = randomKey();
    expect(await script(key)).toBe("");
    expectEnvelope(await sendHit(pageView(key)), 404, "NotFound");
    expect(await env.PIXELS.get(key)).toBeNull(); // no KV write for garbage

    // Had D1 been asked again, it would now find this key.
    const { organization } = await newOrganization();
    await (
      await tenantOfOrganization(organization.id)
    ).DB.prepare("UPDATE pixels SET api_key = ? WHERE organization_id = ?")
      .bind(key, organization.id)
      .run();
    forgetRememberedPixels(); // another isolate of the same location: only the location's cache knows
    expect(await script(key)).toBe("");
    expectEnvelope(await sendHit(pageView(key)), 404, "NotFound");
    expect(await env.PIXELS.get(key)).toBeNull();
  });

  it("M7: answers a key that is not 24 lowercase hex digits without any lookup", async () => {
    for (const key of [
      "ABCDEF0123456789ABCDEF01",
      "0123456789abcdef",
      "0123456789abcdef0123456789",
      "not-a-key-at-all",
    ]) {
      expect(await script(key)).toBe("");
      expectEnvelope(await sendHit(pageView(key)), 404, "NotFound");
      expect(await env.PIXELS.get(key)).toBeNull();
    }
  });

  it(
    "M7: stops looking up unknown pixel keys for an address that sent 30 of them in a minute",
    { timeout: WINDOW_TIMEOUT },
    async () => {
      const { pixelKey } = await newOrganization();
      const noisy = freshIp();
      await awayFromWindowEdge();
      for (let i = 0; i < FAILURES_PER_MINUTE + 1; i++) expect(await script(randomKey(), noisy)).toBe("");
      // A real key that is not in KV (nor in memory or the location's cache) needs D1: refused to the noisy address only.
      await env.PIXELS.delete(pixelKey);
      forgetRememberedPixels();
      await forgetLocationPixels(pixelKey);
      expect(await script(pixelKey, noisy)).toBe("");
      expect((await script(pixelKey, freshIp())).length).toBeGreaterThan(100);
      forgetFailures();
    },
  );
});
