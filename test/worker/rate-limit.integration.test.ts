import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { forgetFailures } from "../../worker/rate-limit/failures";
import { call, expectEnvelope, fetchWith } from "./support/api";
import { newPartner } from "./support/partners";
import { freshIp } from "./support/hits";
import { awayFromWindowEdge } from "./support/time";

const LIMIT = 1_000;
/** `FAILURE_LIMITER` in wrangler.toml: failed key lookups per address per minute. */
const FAILURES_PER_MINUTE = 30;
// A thousand real requests through auth (D1) and the limiter take a few seconds on a small machine.
const BURST_TIMEOUT = 60_000;

/** A test that waits for a fresh rate-limit window may wait up to 20 s first. */
const WINDOW_TIMEOUT = 60_000;

describe("partner rate limit", () => {
  it("puts the three X-RateLimit headers on successes and on errors", async () => {
    const { api } = await newPartner();
    const ok = await api("GET", "/me");
    const missing = await api("GET", "/organizations/org_00000000000000000000000000000000");
    const invalid = await api("POST", "/organizations", { name: "" });
    for (const res of [ok, missing, invalid]) {
      expect(res.headers.get("x-ratelimit-limit")).toBe(String(LIMIT));
      expect(Number(res.headers.get("x-ratelimit-remaining"))).toBeLessThan(LIMIT);
      const reset = Number(res.headers.get("x-ratelimit-reset"));
      expect(reset).toBeGreaterThan(Date.now() / 1000);
      expect(reset).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 60);
    }
    expect([ok.status, missing.status, invalid.status]).toEqual([200, 404, 400]);
    expect(Number(missing.headers.get("x-ratelimit-remaining"))).toBe(
      Number(ok.headers.get("x-ratelimit-remaining")) - 1,
    );
  });

  it("counts down the remaining requests one per request", async () => {
    const { api } = await newPartner();
    const remaining = [];
    for (let i = 0; i < 3; i++) remaining.push(Number((await api("GET", "/me")).headers.get("x-ratelimit-remaining")));
    expect(remaining).toEqual([LIMIT - 1, LIMIT - 2, LIMIT - 3]);
  });

  it(
    "answers the 1,001st request of a minute with 429 RateLimited and Retry-After",
    async () => {
      const { api } = await newPartner();
      const first = await Promise.all(Array.from({ length: LIMIT }, () => api("GET", "/me")));
      expect(first.filter((r) => r.status === 200)).toHaveLength(LIMIT);

      const over = await api("GET", "/me");
      expectEnvelope(over, 429, "RateLimited");
      const retryAfter = Number(over.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(over.headers.get("x-ratelimit-limit")).toBe(String(LIMIT));
      expect(over.headers.get("x-ratelimit-remaining")).toBe("0");
      expect(Number(over.headers.get("x-ratelimit-reset"))).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
    },
    BURST_TIMEOUT,
  );

  it(
    "lets exactly 1,000 of 1,050 concurrent requests through",
    async () => {
      const { api } = await newPartner();
      const results = await Promise.all(Array.from({ length: LIMIT + 50 }, () => api("GET", "/me")));
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT);
      expect(statuses.filter((s) => s === 429)).toHaveLength(50);
      // Every remaining count from LIMIT - 1 down to 0 was handed out exactly once.
      const remaining = results
        .filter((r) => r.status === 200)
        .map((r) => Number(r.headers.get("x-ratelimit-remaining")));
      expect(new Set(remaining).size).toBe(LIMIT);
    },
    BURST_TIMEOUT,
  );

  it("counts each partner separately", async () => {
    const a = await newPartner();
    const b = await newPartner();
    await a.api("GET", "/me");
    await a.api("GET", "/me");
    const res = await b.api("GET", "/me");
    expect(res.headers.get("x-ratelimit-remaining")).toBe(String(LIMIT - 1));
  });

  it("gives a full budget again once the minute has passed", { timeout: BURST_TIMEOUT }, async () => {
    const limiter = env.RATE_LIMITER.getByName(`window-${crypto.randomUUID()}`);
    const t0 = Date.UTC(2026, 0, 1, 12, 0, 30);
    let last;
    for (let i = 0; i <= LIMIT; i++) last = await limiter.hit(t0 + i);
    expect(last).toMatchObject({ allowed: false, remaining: 0, reset: t0 / 1000 + 60 });
    expect(await limiter.hit(t0 + 59_999)).toMatchObject({ allowed: false });
    expect(await limiter.hit(t0 + 60_000)).toEqual({
      allowed: true,
      limit: LIMIT,
      remaining: LIMIT - 1,
      reset: t0 / 1000 + 120,
    });
  });

  it("does not count requests without a valid key and gives them no rate-limit headers", async () => {
    const res = await call("GET", "/api/v1/partner/me", {
      headers: { "x-partner-api-key": "pk_live_00000000000000000000000000000000" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("x-ratelimit-limit")).toBeNull();
  });

  it("M6: answers 503 and serves nothing while the partner's rate limiter cannot answer (fails closed)", async () => {
    const { key, api } = await newPartner();
    const overloaded = {
      getByName: () => ({
        hit: () => Promise.reject(new Error("Durable Object is overloaded. Requests queued for too long.")),
      }),
    } as unknown as typeof env.RATE_LIMITER;
    const res = await fetchWith({ RATE_LIMITER: overloaded }, "/api/v1/partner/organizations", {
      method: "POST",
      headers: { "content-type": "application/json", "x-partner-api-key": key },
      body: JSON.stringify({ name: "Served uncounted?" }),
    });
    expectEnvelope(res, 503, "ServiceUnavailable");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await api("GET", "/organizations")).body.total).toBe(0);
  });

  it(
    "M6: refuses an address that failed 30 key lookups in a minute before looking up its next key",
    { timeout: WINDOW_TIMEOUT },
    async () => {
      forgetFailures();
      const { key } = await newPartner();
      const ip = freshIp();
      const me = (apiKey: string, from: string) =>
        call("GET", "/api/v1/partner/me", { headers: { "x-partner-api-key": apiKey, "cf-connecting-ip": from } });
      await awayFromWindowEdge();
      for (let i = 0; i < FAILURES_PER_MINUTE; i++) {
        expectEnvelope(await me(`pk_live_${crypto.randomUUID().replace(/-/g, "")}`, ip), 401, "Unauthorized");
      }
      const over = await me("pk_live_00000000000000000000000000000000", ip);
      expectEnvelope(over, 429, "RateLimited");
      expect(over.headers.get("retry-after")).toBe("60");
      // Refused before the lookup: a key nobody used successfully here waits; other addresses are unaffected.
      expectEnvelope(await me(key, ip), 429, "RateLimited");
      expect((await me(key, freshIp())).status).toBe(200);
      forgetFailures();
    },
  );

  it(
    "N9: a partner sharing an address with someone sending bad keys keeps working with its key; unknown keys wait",
    { timeout: WINDOW_TIMEOUT },
    async () => {
      forgetFailures();
      const { key } = await newPartner();
      const stranger = await newPartner();
      const office = freshIp();
      const me = (apiKey: string) =>
        call("GET", "/api/v1/partner/me", { headers: { "x-partner-api-key": apiKey, "cf-connecting-ip": office } });
      await awayFromWindowEdge();
      expect((await me(key)).status).toBe(200);
      // Someone else behind the same address guesses keys until the address is over its budget.
      for (let i = 0; i <= FAILURES_PER_MINUTE; i++) await me(`pk_live_${crypto.randomUUID().replace(/-/g, "")}`);
      expectEnvelope(await me(`pk_live_${crypto.randomUUID().replace(/-/g, "")}`), 429, "RateLimited");
      for (let i = 0; i < 3; i++) expect((await me(key)).status).toBe(200);
      // A key not seen working here is treated as unknown until the minute is over.
      expectEnvelope(await me(stranger.key), 429, "RateLimited");
      forgetFailures();
    },
  );

  it("M6: limits wrong operator keys per address the same way", { timeout: WINDOW_TIMEOUT }, async () => {
    forgetFailures();
    const ip = freshIp();
    const partners = (adminKey: string, from: string) =>
      call("GET", "/api/v1/admin/partners?slug=none", {
        headers: { "x-admin-api-key": adminKey, "cf-connecting-ip": from },
      });
    await awayFromWindowEdge();
    for (let i = 0; i < FAILURES_PER_MINUTE; i++) expectEnvelope(await partners(`guess-${i}`, ip), 401, "Unauthorized");
    expectEnvelope(await partners("guess-again", ip), 429, "RateLimited");
    expectEnvelope(await partners(env.ADMIN_API_KEY, ip), 429, "RateLimited");
    expect((await partners(env.ADMIN_API_KEY, freshIp())).status).toBe(200);
    forgetFailures();
  });

  it(
    "N9: the operator is not locked out by wrong keys sent from its own address",
    { timeout: WINDOW_TIMEOUT },
    async () => {
      forgetFailures();
      const ip = freshIp();
      const partners = (adminKey: string) =>
        call("GET", "/api/v1/admin/partners?slug=none", {
          headers: { "x-admin-api-key": adminKey, "cf-connecting-ip": ip },
        });
      await awayFromWindowEdge();
      expect((await partners(env.ADMIN_API_KEY)).status).toBe(200);
      for (let i = 0; i <= FAILURES_PER_MINUTE; i++) await partners(`guess-${i}`);
      expectEnvelope(await partners("guess-again"), 429, "RateLimited");
      expect((await partners(env.ADMIN_API_KEY)).status).toBe(200);
      forgetFailures();
    },
  );
});
