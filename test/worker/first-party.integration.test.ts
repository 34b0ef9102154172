import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  asPartner,
  awayFromWindowEdge,
  BASE,
  expectEnvelope,
  freshIp,
  importCompany,
  newOrganization,
  pageView,
  sendHit,
  tenantOfOrganization,
  waitForReceipts,
} from "./support";
import { forwardingHeaders, proxySignature } from "./support/first-party-signature";

/** `HIT_LIMITER` in wrangler.toml: hits per pixel key and address per minute. */
const HITS_PER_MINUTE = 300;

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

    const res = await sendHit(pageView(pixelKey, "https://client.example/pricing"), {
      ip: proxy,
      headers: await forwardingHeaders(secret, visitor),
    });
    expect(res.status).toBe(204);
    const [receipt] = await waitForReceipts(organization.id, 1);
    expect(receipt!.reason).toBe("charged");
    const { body } = await api("GET", `/organizations/${organization.id}/visitors`);
    expect(body.visitors[0].company.name).toBe("Forwarded Visitor Corp");
    expect(body.visitors[0].pages.landingPage).toBe("/pricing");
  });

  it("ignores a forwarded address that is forged, stale, unsigned, or sent to a pixel without a secret", async () => {
    const { api, organization, pixelKey, secret } = await withProxySecret();
    const visitor = freshIp();
    await importCompany(`${visitor}/32`);
    const proxy = freshIp();
    const now = Math.floor(Date.now() / 1000);
    const attempts: Record<string, string>[] = [
      await forwardingHeaders("a-secret-the-proxy-guessed", visitor),
      await forwardingHeaders(secret, visitor, now - 120),
      await forwardingHeaders(secret, visitor, now + 120),
      { "x-client-address": visitor },
      { "x-forwarded-for": visitor, "x-real-ip": visitor },
      { "x-client-address": visitor, "x-client-signature": await proxySignature(secret, freshIp()) },
    ];
    for (const headers of attempts) {
      expect((await sendHit(pageView(pixelKey), { ip: proxy, headers })).status).toBe(204);
    }
    // A removed secret verifies nothing either.
    expect((await api("DELETE", `/organizations/${organization.id}/pixel/proxy-secret`)).status).toBe(204);
    const signed = await forwardingHeaders(secret, visitor);
    expect((await sendHit(pageView(pixelKey), { ip: proxy, headers: signed })).status).toBe(204);

    const outcomes = await waitForReceipts(organization.id, attempts.length + 1);
    expect(outcomes.map((o) => o.reason)).toEqual(Array(attempts.length + 1).fill("not_identified"));
    expect((await api("GET", `/organizations/${organization.id}`)).body.organization.creditsUsed).toBe(0);
  });

  it("gives each visitor behind the proxy a hit budget of their own", { timeout: 60_000 }, async () => {
    const { pixelKey, secret } = await withProxySecret();
    const proxy = freshIp();
    const [first, second] = [freshIp(), freshIp()];
    // DNT: accepted and answered before the queue (the organization honours it), so nothing is stored.
    const through = async (visitor: string) => ({
      ip: proxy,
      headers: { dnt: "1", ...(await forwardingHeaders(secret, visitor)) },
    });
    await awayFromWindowEdge();
    const statuses: number[] = [];
    for (let sent = 0; sent < HITS_PER_MINUTE; sent += 50) {
      const wave = Array.from({ length: 50 }, async () => sendHit(pageView(pixelKey), await through(first)));
      statuses.push(...(await Promise.all(wave)).map((res) => res.status));
    }
    expect(statuses.filter((s) => s === 204)).toHaveLength(HITS_PER_MINUTE);

    expectEnvelope(await sendHit(pageView(pixelKey), await through(first)), 429, "RateLimited");
    expect((await sendHit(pageView(pixelKey), await through(second))).status).toBe(204);
    expect((await sendHit(pageView(pixelKey), { ip: proxy, headers: { dnt: "1" } })).status).toBe(204);
  });
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
