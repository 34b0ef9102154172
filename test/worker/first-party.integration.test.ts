import { env, exports } from "cloudflare:workers";
import type { Hit } from "../../shared/hit";
import { describe, expect, it } from "vitest";
import { admin, asPartner, BASE, expectEnvelope, fetchWith } from "./support/api";
import { importCompany, newOrganization, tenantOfOrganization } from "./support/partners";
import { BROWSER_UA, freshIp, pageView, sendHit } from "./support/hits";
import { waitForReceipts } from "./support/receipts";
import { awayFromWindowEdge } from "./support/time";
import { forwardingHeaders, proxySignature } from "./support/first-party-signature";

/** `HIT_LIMITER` in wrangler.toml: hits per pixel key and address per minute. */
const HITS_PER_MINUTE = 300;

/** What proxies signed before N14: `<t>.<address>`, which covers no pixel key and no body. */
async function addressOnlySignature(secret: string, address: string) {
  const t = Math.floor(Date.now() / 1000);
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(`${t}.${address}`)));
  return `t=${t},v1=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** The forwarding headers of `hit` as sent by `sendHit` (its body is the hit's JSON). */
const signedFor = (secret: string, address: string, hit: Hit, seconds?: number) =>
  forwardingHeaders(secret, address, { pixelKey: hit.k, body: JSON.stringify(hit) }, seconds);

async function withProxySecret() {
  const org = await newOrganization();
  const res = await org.api("POST", `/organizations/${org.organization.id}/pixel/proxy-secret`);
  expect(res.status, res.text).toBe(201);
  return { ...org, secret: res.body.proxySecret.secret as string };
}

describe("the first-party proxy secret", () => {
  it("is shown once, then only whether it is set and since when, and is kept sealed", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const pixelPath = `/organizations/${organization.id}/pixel`;
    expect((await api("GET", pixelPath)).body.pixel.proxySecret).toBeNull();

    const created = await api("POST", `${pixelPath}/proxy-secret`);
    expect(created.status).toBe(201);
    const { secret, createdAt } = created.body.proxySecret;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    const shown = await api("GET", pixelPath);
    expect(shown.body.pixel.proxySecret).toEqual({ createdAt });
    expect(shown.text).not.toContain(secret);

    const row = await (
      await tenantOfOrganization(organization.id)
    ).DB.prepare("SELECT proxy_secret FROM pixels WHERE organization_id = ?")
      .bind(organization.id)
      .first<{ proxy_secret: string }>();
    expect(row?.proxy_secret).toMatch(/^sealed:v1:/);
    expect(row?.proxy_secret).not.toContain(secret);
    const record = await env.PIXELS.get<{ proxySecret: string }>(pixelKey, "json");
    expect(record?.proxySecret).toMatch(/^sealed:v1:/);
    expect(JSON.stringify(record)).not.toContain(secret);

    const rotated = await api("POST", `${pixelPath}/proxy-secret`);
    expect(rotated.status).toBe(201);
    expect(rotated.body.proxySecret.secret).not.toBe(secret);

    expect((await api("DELETE", `${pixelPath}/proxy-secret`)).status).toBe(204);
    expect((await api("GET", pixelPath)).body.pixel.proxySecret).toBeNull();
    expect((await api("DELETE", `${pixelPath}/proxy-secret`)).status).toBe(204);
  });

  it("needs the admin scope to create or remove", async () => {
    const { api, organization } = await newOrganization();
    const key = await api("POST", "/api-keys", { name: "writer", scopes: ["write"] });
    expect(key.status, key.text).toBe(201);
    const writer = asPartner(key.body.plainKey);
    const path = `/organizations/${organization.id}/pixel/proxy-secret`;
    expectEnvelope(await writer("POST", path), 403, "Forbidden");
    expectEnvelope(await writer("DELETE", path), 403, "Forbidden");
    expect((await api("GET", `/organizations/${organization.id}/pixel`)).body.pixel.proxySecret).toBeNull();
  });
});

describe("hits through a client's first-party proxy", () => {
  it("identifies and charges the visitor whose address the proxy signed, not the proxy", async () => {
    const { api, organization, pixelKey, secret } = await withProxySecret();
    const visitor = freshIp();
    await importCompany(`${visitor}/32`, "Forwarded Visitor Corp");
    const proxy = freshIp();

    const hit = pageView(pixelKey, "https://client.example/pricing");
    const res = await sendHit(hit, { ip: proxy, headers: await signedFor(secret, visitor, hit) });
    expect(res.status).toBe(204);
    const [receipt] = await waitForReceipts(organization.id, 1);
    expect(receipt!.reason).toBe("charged");
    const { body } = await api("GET", `/organizations/${organization.id}/visitors`);
    expect(body.visitors[0].company.name).toBe("Forwarded Visitor Corp");
    expect(body.visitors[0].pages.landingPage).toBe("/pricing");
  });

  it("N14: ignores a forwarded address that is forged, stale, unsigned, signed for another hit, or sent to a pixel without a secret", async () => {
    const { api, organization, pixelKey, secret } = await withProxySecret();
    const visitor = freshIp();
    await importCompany(`${visitor}/32`);
    const proxy = freshIp();
    const now = Math.floor(Date.now() / 1000);
    const other = await newOrganization();
    const attempts: ((hit: Hit) => Promise<Record<string, string>>)[] = [
      (hit) => signedFor("a-secret-the-proxy-guessed", visitor, hit),
      (hit) => signedFor(secret, visitor, hit, now - 120),
      (hit) => signedFor(secret, visitor, hit, now + 120),
      async () => ({ "x-client-address": visitor }),
      async () => ({ "x-forwarded-for": visitor, "x-real-ip": visitor }),
      async (hit) => ({
        "x-client-address": visitor,
        "x-client-signature": await proxySignature(secret, freshIp(), { pixelKey: hit.k, body: JSON.stringify(hit) }),
      }),
      // N14: a signature of the address alone (valid for any body), and one captured from another hit,
      // replayed with another body or for another pixel key.
      async () => ({ "x-client-address": visitor, "x-client-signature": await addressOnlySignature(secret, visitor) }),
      (hit) => signedFor(secret, visitor, { ...hit, i: crypto.randomUUID() }),
      (hit) => signedFor(secret, visitor, { ...hit, k: other.pixelKey }),
    ];
    for (const headersOf of attempts) {
      const hit = pageView(pixelKey);
      expect((await sendHit(hit, { ip: proxy, headers: await headersOf(hit) })).status).toBe(204);
    }
    // A removed secret verifies nothing either.
    expect((await api("DELETE", `/organizations/${organization.id}/pixel/proxy-secret`)).status).toBe(204);
    const last = pageView(pixelKey);
    expect((await sendHit(last, { ip: proxy, headers: await signedFor(secret, visitor, last) })).status).toBe(204);

    const outcomes = await waitForReceipts(organization.id, attempts.length + 1);
    expect(outcomes.map((o) => o.reason)).toEqual(Array(attempts.length + 1).fill("not_identified"));
    expect((await api("GET", `/organizations/${organization.id}`)).body.organization.creditsUsed).toBe(0);
  });

  it("gives each visitor behind the proxy a hit budget of their own", { timeout: 60_000 }, async () => {
    const { api, organization, pixelKey, secret } = await withProxySecret();
    // Hits of another site spend their budget, then are refused (403: only counted, never stored).
    const refused = await api("PUT", `/organizations/${organization.id}/pixel`, {
      allowedReferrers: ["elsewhere.example"],
    });
    expect(refused.status, refused.text).toBe(200);
    const proxy = freshIp();
    const [first, second] = [freshIp(), freshIp()];
    const through = async (visitor: string) => {
      const hit = pageView(pixelKey);
      return sendHit(hit, { ip: proxy, headers: await signedFor(secret, visitor, hit) });
    };
    await awayFromWindowEdge();
    const statuses: number[] = [];
    for (let sent = 0; sent < HITS_PER_MINUTE; sent += 50) {
      const wave = Array.from({ length: 50 }, () => through(first));
      statuses.push(...(await Promise.all(wave)).map((res) => res.status));
    }
    expect(statuses.filter((s) => s === 403)).toHaveLength(HITS_PER_MINUTE);

    expectEnvelope(await through(first), 429, "RateLimited");
    expect((await through(second)).status).toBe(403);
    expect((await sendHit(pageView(pixelKey), { ip: proxy })).status).toBe(403);
  });

  it(
    "N14: believes at most FORWARDED_LIMITER's distinct addresses a minute from one proxy address; past it, hits are the proxy's",
    { timeout: 60_000 },
    async () => {
      const { organization, pixelKey, secret } = await withProxySecret();
      const visitors = Array.from({ length: 6 }, () => freshIp());
      const imported = await admin(
        "POST",
        "/companies",
        visitors.map((ip, n) => ({
          name: `Visitor ${n}`,
          domain: `visitor-${n}-${crypto.randomUUID()}.example`,
          ipRanges: [`${ip}/32`],
        })),
      );
      expect(imported.status, imported.text).toBe(200);
      const proxy = freshIp();
      // The limiter of wrangler.toml counts 1,000 distinct addresses a minute; this real binding counts 5.
      const small = { FORWARDED_LIMITER: env.TEST_SMALL_LIMITER };
      await awayFromWindowEdge();
      for (const visitor of [...visitors, visitors[0]!]) {
        const hit = pageView(pixelKey);
        const res = await fetchWith(small, "/e", {
          method: "POST",
          headers: {
            "content-type": "text/plain",
            origin: "https://client.example",
            "user-agent": BROWSER_UA,
            "cf-connecting-ip": proxy,
            ...(await signedFor(secret, visitor, hit)),
          },
          body: JSON.stringify(hit),
        });
        expect(res.status).toBe(204);
      }
      const outcomes = await waitForReceipts(organization.id, visitors.length + 1);
      // Five visitors believed (and the first again, already counted this minute); the sixth is the proxy, nobody.
      expect(outcomes.map((o) => o.reason).sort()).toEqual(
        [...Array(5).fill("charged"), "already_charged_this_period", "not_identified"].sort(),
      );
    },
  );
});

describe("the script served through a first-party proxy", () => {
  const script = (pixelKey: string, headers: Record<string, string> = {}) =>
    exports.default.fetch(`${BASE}/s/${pixelKey}.js`, { headers: { "cf-connecting-ip": freshIp(), ...headers } });

  it("posts hits to the proxy's path on the page's own origin", async () => {
    const { pixelKey } = await newOrganization();
    const proxied = await script(pixelKey, { "x-client-base": "/_t" });
    expect(await proxied.text()).toContain('"e":"/_t/e"');
    expect(proxied.headers.get("vary")).toContain("X-Client-Base");
    expect(await (await script(pixelKey)).text()).toContain(`"e":"${BASE}/e"`);
  });

  it("never posts hits to another host a request names", async () => {
    const { pixelKey } = await newOrganization();
    for (const base of ["//evil.example", "https://evil.example/_t"]) {
      const text = await (await script(pixelKey, { "x-client-base": base })).text();
      expect(text).toContain(`"e":"${BASE}/e"`);
      expect(text).not.toContain("evil.example");
    }
  });
});
