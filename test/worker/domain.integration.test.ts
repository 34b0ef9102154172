import { env } from "cloudflare:workers";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { configOf } from "../../worker/config";
import { releaseLapsedClaims } from "../../worker/partners/custom-domain";
import { interceptNetwork } from "./support/network";
import { asPartner, BASE, expectEnvelope, newOrganization, newPartner } from "./support";

const network = interceptNetwork();

const DOH = configOf(env).dohUrl;
const DAY_MS = 24 * 3600_000;
const CNAME = 5;
const TXT = 16;

/** A resolver that knows these records; anything else is NXDOMAIN. */
function dnsHas(records: { name: string; type: "CNAME" | "TXT"; data: string }[]) {
  const asked: string[] = [];
  network.use(
    http.get(DOH, ({ request }) => {
      const url = new URL(request.url);
      const name = url.searchParams.get("name")!;
      const type = url.searchParams.get("type")!;
      asked.push(`${type} ${name} ${request.headers.get("accept")}`);
      const answers = records
        .filter((r) => r.name === name && r.type === type)
        .map((r) => ({ name: `${name}.`, type: r.type === "CNAME" ? CNAME : TXT, TTL: 300, data: r.data }));
      return HttpResponse.json({
        Status: answers.length > 0 ? 0 : 3,
        Answer: answers.length > 0 ? answers : undefined,
      });
    }),
  );
  return asked;
}

async function partnerWithDomain(domain = `scripts.${crypto.randomUUID().slice(0, 8)}.example`) {
  const p = await newOrganization();
  const res = await p.api("PUT", "/domain", { domain });
  expect(res.status, res.text).toBe(200);
  return { ...p, domain, verification: res.body };
}

describe("partner API: custom script domain", () => {
  it("sets a domain and tells which DNS records to publish", async () => {
    const { domain, verification } = await partnerWithDomain();
    expect(verification).toMatchObject({
      domain,
      verified: false,
      verifiedAt: null,
      verificationRecord: expect.stringMatching(/^domain-verification=[0-9a-f]{32}$/),
      cnameTarget: "api.test",
    });
    expect(verification.dnsRecords).toEqual([
      { type: "CNAME", name: domain, value: "api.test" },
      { type: "TXT", name: `_verify.${domain}`, value: verification.verificationRecord },
    ]);
    expect(verification.instructions).toContain(domain);
  });

  it("keeps script tags on the platform host until the domain is verified, then uses the domain", async () => {
    const { api, organization, domain, verification } = await partnerWithDomain();
    const before = (await api("GET", `/organizations/${organization.id}/pixel`)).body.pixel;
    expect(before.scriptTag).toContain(`src="${BASE}/`);

    const asked = dnsHas([
      { name: domain, type: "CNAME", data: "API.test." },
      { name: `_verify.${domain}`, type: "TXT", data: `"${verification.verificationRecord}"` },
    ]);
    const res = await api("POST", "/domain/verify");
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ domain, verified: true, verifiedAt: expect.stringMatching(/Z$/) });
    expect(res.body.checks.cname).toMatchObject({ ok: true, found: ["api.test"] });
    expect(res.body.checks.txt).toMatchObject({ ok: true, found: [verification.verificationRecord] });
    expect(asked).toEqual(
      expect.arrayContaining([`CNAME ${domain} application/dns-json`, `TXT _verify.${domain} application/dns-json`]),
    );

    const after = (await api("GET", `/organizations/${organization.id}/pixel`)).body.pixel;
    expect(after.scriptTag).toBe(`<script async src="https://${domain}/s/${before.apiKey}.js"></script>`);
    expect((await api("GET", "/script-config")).body).toMatchObject({
      scriptDomain: domain,
      scriptDomainVerified: true,
      scriptBaseUrl: `https://${domain}`,
    });
    expect((await api("GET", "/domain/verification")).body.verified).toBe(true);
  });

  it("does not verify while a record is missing or wrong, and says what DNS answered", async () => {
    const { api, domain, verification } = await partnerWithDomain();
    dnsHas([{ name: domain, type: "CNAME", data: "elsewhere.example." }]);
    const res = await api("POST", "/domain/verify");
    expect(res.status).toBe(200);
    expect(res.body.verified).toBe(false);
    expect(res.body.checks.cname).toMatchObject({ ok: false, expected: "api.test", found: ["elsewhere.example"] });
    expect(res.body.checks.txt).toMatchObject({ ok: false, expected: verification.verificationRecord, found: [] });

    // A TXT record split into several strings counts as their concatenation.
    network.resetHandlers();
    const [head, tail] = [verification.verificationRecord.slice(0, 10), verification.verificationRecord.slice(10)];
    dnsHas([
      { name: domain, type: "CNAME", data: "api.test." },
      { name: `_verify.${domain}`, type: "TXT", data: `"${head}" "${tail}"` },
    ]);
    expect((await api("POST", "/domain/verify")).body.verified).toBe(true);
  });

  it("reports a resolver failure as a failed check, not an error", async () => {
    const { api } = await partnerWithDomain();
    network.use(http.get(DOH, () => new HttpResponse("upstream down", { status: 502 })));
    const res = await api("POST", "/domain/verify");
    expect(res.status).toBe(200);
    expect(res.body.verified).toBe(false);
    expect(res.body.checks.cname.error).toMatch(/502/);
  });

  it("starts a new verification when the domain changes", async () => {
    const { api, organization, domain, verification } = await partnerWithDomain();
    dnsHas([
      { name: domain, type: "CNAME", data: "api.test." },
      { name: `_verify.${domain}`, type: "TXT", data: `"${verification.verificationRecord}"` },
    ]);
    expect((await api("POST", "/domain/verify")).body.verified).toBe(true);

    // The same domain again changes nothing.
    expect((await api("PUT", "/domain", { domain: domain.toUpperCase() })).body).toMatchObject({ verified: true });

    const next = `cdn.${crypto.randomUUID().slice(0, 8)}.example`;
    const changed = await api("PUT", "/domain", { domain: next });
    expect(changed.body).toMatchObject({ domain: next, verified: false });
    expect(changed.body.verificationRecord).not.toBe(verification.verificationRecord);
    const tag = (await api("GET", `/organizations/${organization.id}/pixel`)).body.pixel.scriptTag;
    expect(tag).toContain(`src="${BASE}/`);
  });

  it("removes the domain: script tags return to the platform host", async () => {
    const { api, domain } = await partnerWithDomain();
    expect((await api("DELETE", "/domain")).status).toBe(204);
    expectEnvelope(await api("GET", "/domain/verification"), 404, "NotFound");
    expectEnvelope(await api("POST", "/domain/verify"), 404, "NotFound");
    expect((await api("GET", "/me")).body.partner).toMatchObject({ scriptDomain: null, scriptDomainVerified: false });
    expect((await api("DELETE", "/domain")).status).toBe(204);
    // Free again for anyone.
    expect((await (await newPartner()).api("PUT", "/domain", { domain })).status).toBe(200);
  });

  it("L4: lets nobody squat a domain: claims overlap until one account verifies it, and lapse after 7 days", async () => {
    const squatter = await partnerWithDomain();
    const domain = squatter.domain;
    expect(Date.parse(squatter.verification.claimExpiresAt) - Date.now()).toBeGreaterThan(7 * DAY_MS - 60_000);

    const owner = await newPartner();
    const claimed = await owner.api("PUT", "/domain", { domain });
    expect(claimed.status, claimed.text).toBe(200);
    dnsHas([
      { name: domain, type: "CNAME", data: "api.test." },
      { name: `_verify.${domain}`, type: "TXT", data: `"${claimed.body.verificationRecord}"` },
    ]);
    const verified = await owner.api("POST", "/domain/verify");
    expect(verified.body).toMatchObject({ domain, verified: true, claimExpiresAt: null });

    // Proving it took it: the other claim is gone, and the domain is no longer to be had.
    expectEnvelope(await squatter.api("GET", "/domain/verification"), 404, "NotFound");
    expect((await squatter.api("GET", "/me")).body.partner.scriptDomain).toBeNull();
    expectEnvelope(await squatter.api("PUT", "/domain", { domain }), 409, "Conflict");
  });

  it("L4: lets an unverified claim lapse after 7 days, and the cron clear it", async () => {
    const { api, partner, domain } = await partnerWithDomain();
    await env.CATALOG.prepare("UPDATE partners SET script_domain_claimed_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 7 * DAY_MS - 1000).toISOString().replace(/\.\d{3}Z$/, "Z"), partner.id)
      .run();
    expectEnvelope(await api("GET", "/domain/verification"), 404, "NotFound");
    expectEnvelope(await api("POST", "/domain/verify"), 404, "NotFound");
    await releaseLapsedClaims(env.CATALOG);
    expect((await api("GET", "/me")).body.partner.scriptDomain).toBeNull();
    // Claiming it again starts afresh.
    const again = await api("PUT", "/domain", { domain });
    expect(Date.parse(again.body.claimExpiresAt) - Date.now()).toBeGreaterThan(7 * DAY_MS - 60_000);
  });

  it("refuses what is not a host name, and the platform's own host", async () => {
    const { api } = await newPartner();
    for (const domain of [
      "https://scripts.example.com",
      "scripts.example.com/path",
      "localhost",
      "10.0.0.1",
      "a..example",
      "",
    ]) {
      const res = await api("PUT", "/domain", { domain });
      expectEnvelope(res, 400, "BadRequest");
      expect(res.body.details[0].field).toBe("domain");
    }
    expectEnvelope(await api("PUT", "/domain", { domain: "evil.api.test" }), 422, "UnprocessableEntity");
  });

  it("needs the admin scope to change the domain, read to see it", async () => {
    const { api } = await partnerWithDomain();
    const reader = asPartner(
      (await api("POST", "/api-keys", { name: "Reader", scopes: ["read", "write"] })).body.plainKey,
    );
    expect((await reader("GET", "/domain/verification")).status).toBe(200);
    expectEnvelope(await reader("PUT", "/domain", { domain: "scripts.other.example" }), 403, "Forbidden");
    expectEnvelope(await reader("POST", "/domain/verify"), 403, "Forbidden");
    expectEnvelope(await reader("DELETE", "/domain"), 403, "Forbidden");
  });
});
