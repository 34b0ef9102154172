import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { releaseLapsedClaims } from "../../worker/partners/custom-domain";
import { maintainHostnames } from "../../worker/custom-hostnames/lifecycle";
import { asPartner, BASE, expectEnvelope } from "./support/api";
import { newOrganization, newPartner } from "./support/partners";
import { cloudflareCalls, freshDomain, makeLive, publish, publishRecords } from "./support/domains";

/**
 * A partner's custom domain through the partner API: the records to publish, DNS verification,
 * and script tags switching to the domain only once it is live (verified, and its custom hostname
 * and certificate active at Cloudflare; the stand-in of test/fixtures/cloudflare-api.js).
 */

const DAY_MS = 24 * 3600_000;

async function partnerWithDomain(domain = freshDomain()) {
  const p = await newOrganization();
  const res = await p.api("PUT", "/domain", { domain });
  expect(res.status, res.text).toBe(200);
  return { ...p, domain, verification: res.body };
}

const scriptTagOf = async (api: Awaited<ReturnType<typeof newOrganization>>["api"], organizationId: string) =>
  (await api("GET", `/organizations/${organizationId}/pixel`)).body.pixel.scriptTag as string;

/** The origin of the next dashboard link the partner issues for the organization. */
const dashboardLinkOrigin = async (api: Awaited<ReturnType<typeof newOrganization>>["api"], organizationId: string) => {
  const res = await api("POST", `/organizations/${organizationId}/dashboard-links`, { email: "viewer@client.example" });
  expect(res.status, res.text).toBe(201);
  return new URL(res.body.dashboardLink.url).origin;
};

describe("partner API: custom domain", () => {
  it("sets a domain and lists every DNS record to publish: ours and Cloudflare's ownership TXT", async () => {
    const { domain, verification } = await partnerWithDomain();
    expect(verification).toMatchObject({
      domain,
      verified: false,
      verifiedAt: null,
      verificationRecord: expect.stringMatching(/^domain-verification=[0-9a-f]{32}$/),
      cnameTarget: "api.test",
      active: false,
      tls: "pending",
      customHostname: { id: expect.any(String), status: "pending", sslStatus: "initializing" },
    });
    expect(verification.dnsRecords).toEqual([
      { type: "CNAME", name: domain, value: "api.test" },
      { type: "TXT", name: `_verify.${domain}`, value: verification.verificationRecord },
      { type: "TXT", name: `_cf-custom-hostname.${domain}`, value: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    ]);
    expect(verification.instructions).toContain(`_cf-custom-hostname.${domain}`);
  });

  it("keeps script tags and dashboard links on the platform host until the domain is verified and its certificate active", async () => {
    const { api, organization, domain, verification } = await partnerWithDomain();
    expect(await scriptTagOf(api, organization.id)).toContain(`src="${BASE}/`);
    expect(await dashboardLinkOrigin(api, organization.id)).toBe(BASE);

    // Our TXT record alone: neither verified nor active at Cloudflare.
    await publish(`_verify.${domain}`, "TXT", verification.verificationRecord);
    const half = await api("POST", "/domain/verify");
    expect(half.body).toMatchObject({ verified: false, active: false });
    expect(half.body.checks.cname).toMatchObject({ ok: false, expected: "api.test", found: [] });
    expect(half.body.checks.txt).toMatchObject({ ok: true, found: [verification.verificationRecord] });

    // The CNAME: verified by DNS at once; Cloudflare activates the hostname, its certificate goes through its stages.
    await publish(domain, "CNAME", "api.test");
    const verified = await api("POST", "/domain/verify");
    expect(verified.body).toMatchObject({ verified: true, verifiedAt: expect.stringMatching(/Z$/), tls: "pending" });
    expect(verified.body.active).toBe(false);
    expect(await scriptTagOf(api, organization.id)).toContain(`src="${BASE}/`);
    expect(await dashboardLinkOrigin(api, organization.id)).toBe(BASE);

    let last = verified.body;
    const seen = [`${last.customHostname.status}/${last.customHostname.sslStatus}`];
    for (let i = 0; i < 6 && !last.active; i++) {
      last = (await api("POST", "/domain/verify")).body;
      seen.push(`${last.customHostname.status}/${last.customHostname.sslStatus}`);
    }
    expect(seen).toEqual(["active/pending_issuance", "active/pending_deployment", "active/active"]);
    expect(last).toMatchObject({ active: true, tls: "active" });
    const { apiKey } = (await api("GET", `/organizations/${organization.id}/pixel`)).body.pixel;
    expect(await scriptTagOf(api, organization.id)).toBe(
      `<script async src="https://${domain}/s/${apiKey}.js"></script>`,
    );
    expect(await dashboardLinkOrigin(api, organization.id)).toBe(`https://${domain}`);
    expect((await api("GET", "/script-config")).body).toMatchObject({
      scriptDomain: domain,
      scriptDomainVerified: true,
      scriptBaseUrl: `https://${domain}`,
    });
    expect((await api("GET", "/domain/verification")).body).toMatchObject({ verified: true, active: true });
  });

  it("does not verify while a record is wrong, and says what DNS answered", async () => {
    const { api, domain, verification } = await partnerWithDomain();
    await publish(domain, "CNAME", "elsewhere.example");
    await publish(`_verify.${domain}`, "TXT", "domain-verification=someone-elses");
    const res = await api("POST", "/domain/verify");
    expect(res.status).toBe(200);
    expect(res.body.verified).toBe(false);
    expect(res.body.checks.cname).toMatchObject({ ok: false, expected: "api.test", found: ["elsewhere.example"] });
    expect(res.body.checks.txt).toMatchObject({
      ok: false,
      expected: verification.verificationRecord,
      found: ["domain-verification=someone-elses"],
    });
  });

  it("starts a new verification when the domain changes, and deletes the old custom hostname at Cloudflare", async () => {
    const { api, organization } = await newOrganization();
    const { domain, verification } = await makeLive(api);

    // The same domain again changes nothing.
    expect((await api("PUT", "/domain", { domain: domain.toUpperCase() })).body).toMatchObject({ active: true });

    const next = freshDomain("cdn");
    const changed = await api("PUT", "/domain", { domain: next });
    expect(changed.body).toMatchObject({ domain: next, verified: false, active: false });
    expect(changed.body.verificationRecord).not.toBe(verification.verificationRecord);
    expect(await scriptTagOf(api, organization.id)).toContain(`src="${BASE}/`);
    const calls = await cloudflareCalls(domain);
    expect(calls.at(-1)).toMatchObject({
      method: "DELETE",
      path: `/client/v4/zones/test-zone/custom_hostnames/${verification.customHostname.id}`,
    });
  });

  it("removes the domain: script tags return to the platform host, its hostname is deleted", async () => {
    const { api, organization } = await newOrganization();
    const { domain, verification } = await makeLive(api);
    expect((await api("DELETE", "/domain")).status).toBe(204);
    expect(await scriptTagOf(api, organization.id)).toContain(`src="${BASE}/`);
    expectEnvelope(await api("GET", "/domain/verification"), 404, "NotFound");
    expectEnvelope(await api("POST", "/domain/verify"), 404, "NotFound");
    expect((await api("GET", "/me")).body.partner).toMatchObject({ scriptDomain: null, scriptDomainVerified: false });
    expect((await cloudflareCalls(domain)).at(-1)).toMatchObject({
      method: "DELETE",
      path: `/client/v4/zones/test-zone/custom_hostnames/${verification.customHostname.id}`,
    });
    expect((await api("DELETE", "/domain")).status).toBe(204);
    // Free again for anyone: a new custom hostname is created for the next claim.
    const again = await (await newPartner()).api("PUT", "/domain", { domain });
    expect(again.status, again.text).toBe(200);
    expect(again.body.customHostname.id).not.toBe(verification.customHostname.id);
  });

  it("L4: lets nobody squat a domain: claims overlap until one account verifies it, and lapse after 7 days", async () => {
    const squatter = await partnerWithDomain();
    const domain = squatter.domain;
    expect(Date.parse(squatter.verification.claimExpiresAt) - Date.now()).toBeGreaterThan(7 * DAY_MS - 60_000);

    // The second claim shares the hostname at Cloudflare (one per name in a zone); DNS decides who owns it.
    const owner = await newPartner();
    const claimed = await owner.api("PUT", "/domain", { domain });
    expect(claimed.status, claimed.text).toBe(200);
    expect(claimed.body.customHostname.id).toBe(squatter.verification.customHostname.id);
    await publishRecords(claimed.body);
    const verified = await owner.api("POST", "/domain/verify");
    expect(verified.body).toMatchObject({ domain, verified: true, claimExpiresAt: null });

    // Proving it took it: the other claim is gone, and the domain is no longer to be had.
    expectEnvelope(await squatter.api("GET", "/domain/verification"), 404, "NotFound");
    expect((await squatter.api("GET", "/me")).body.partner.scriptDomain).toBeNull();
    expectEnvelope(await squatter.api("PUT", "/domain", { domain }), 409, "Conflict");
  });

  it("L4: lets an unverified claim lapse after 7 days; the cron clears it and deletes its hostname", async () => {
    const { api, partner, domain, verification } = await partnerWithDomain();
    await env.CATALOG.prepare("UPDATE partners SET script_domain_claimed_at = ? WHERE id = ?")
      .bind(new Date(Date.now() - 7 * DAY_MS - 1000).toISOString().replace(/\.\d{3}Z$/, "Z"), partner.id)
      .run();
    expectEnvelope(await api("GET", "/domain/verification"), 404, "NotFound");
    expectEnvelope(await api("POST", "/domain/verify"), 404, "NotFound");
    await releaseLapsedClaims(env.CATALOG);
    await maintainHostnames(env);
    expect((await api("GET", "/me")).body.partner.scriptDomain).toBeNull();
    expect((await cloudflareCalls(domain)).at(-1)).toMatchObject({
      method: "DELETE",
      path: `/client/v4/zones/test-zone/custom_hostnames/${verification.customHostname.id}`,
    });
    // Claiming it again starts afresh.
    const again = await api("PUT", "/domain", { domain });
    expect(Date.parse(again.body.claimExpiresAt) - Date.now()).toBeGreaterThan(7 * DAY_MS - 60_000);
  });

  it("refuses what is not a host name, the platform's own host, and names Cloudflare refuses", async () => {
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
    // Reserved top-level domains and example.com are refused by Cloudflare (reference/status-codes/custom-hostnames:
    // 1409, 1411): 422 with its reason, and nothing claimed.
    for (const domain of ["scripts.agency.example", "scripts.example.com"]) {
      const res = await api("PUT", "/domain", { domain });
      expectEnvelope(res, 422, "UnprocessableEntity");
      expect(res.body.message).toMatch(/140[9]|1411/);
    }
    expectEnvelope(await api("GET", "/domain/verification"), 404, "NotFound");
  });

  it("needs the admin scope to change the domain, read to see it", async () => {
    const { api } = await partnerWithDomain();
    const reader = asPartner(
      (await api("POST", "/api-keys", { name: "Reader", scopes: ["read", "write"] })).body.plainKey,
    );
    expect((await reader("GET", "/domain/verification")).status).toBe(200);
    expectEnvelope(await reader("PUT", "/domain", { domain: freshDomain() }), 403, "Forbidden");
    expectEnvelope(await reader("POST", "/domain/verify"), 403, "Forbidden");
    expectEnvelope(await reader("DELETE", "/domain"), 403, "Forbidden");
  });
});
