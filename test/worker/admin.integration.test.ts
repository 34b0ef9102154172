import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { delayStarted, delayingFirst } from "./support/env-faults";
import { describe, expect, it } from "vitest";
import { admin, call, expectEnvelope, fetchWith } from "./support/api";
import { newOrganization, newPartner, tenantOfOrganization } from "./support/partners";
import { pageView, sendHit } from "./support/hits";
import { waitForReceipts } from "./support/receipts";
import { seedVisitors } from "./support/visitors";
import { signedInClient } from "./support/dashboard";

async function visitorCompany(api: ReturnType<typeof import("./support/api").asPartner>, organizationId: string) {
  const { body } = await api("GET", `/organizations/${organizationId}/visitors`);
  return body.visitors.map((v: { company: { name: string } }) => v.company.name);
}

describe("operator API", () => {
  it("requires the operator key", async () => {
    expectEnvelope(
      await call("POST", "/api/v1/admin/partners", { body: { name: "x", slug: "x" } }),
      401,
      "Unauthorized",
    );
    const wrong = await call("GET", "/api/v1/admin/partners", { headers: { "x-admin-api-key": "nope" } });
    expectEnvelope(wrong, 401, "Unauthorized");
  });

  it("onboards a partner and shows its first key once, storing only a hash", async () => {
    const res = await admin("POST", "/partners", {
      name: "Growth Agency",
      slug: "growth-agency",
      billingMode: "pooled",
      billingPeriod: "quarterly",
      billingDayOfMonth: 15,
      creditPoolTotal: 5000,
      maxOrganizations: 10,
    });
    expect(res.status).toBe(201);
    expect(res.body.plainKey).toMatch(/^pk_live_[0-9a-f]{32}$/);
    expect(res.body.partner).toMatchObject({
      slug: "growth-agency",
      billingMode: "credit_pool",
      billingPeriod: "quarterly",
      billingDayOfMonth: 15,
      creditPoolTotal: 5000,
      creditPoolUsed: 0,
      creditPoolAvailable: 5000,
    });
    const stored = await env.CATALOG.prepare("SELECT key_hash, key_prefix FROM api_keys WHERE partner_id = ?")
      .bind(res.body.partner.id)
      .first<{ key_hash: string; key_prefix: string }>();
    expect(stored?.key_hash).not.toContain(res.body.plainKey.slice(8));
    expect(stored?.key_prefix).toBe(res.body.plainKey.slice(0, 12));
    expectEnvelope(await admin("POST", "/partners", { name: "Again", slug: "growth-agency" }), 409, "Conflict");
  });

  it("re-importing a domain updates the company and its ranges instead of duplicating it", async () => {
    const domain = `reimport-${crypto.randomUUID().slice(0, 8)}.example`;
    await admin("POST", "/companies", [{ name: "Old Name", domain, ipRanges: ["192.0.2.0/28"] }]);
    await admin("POST", "/companies", [
      { name: "New Name", domain: domain.toUpperCase(), ipRanges: ["192.0.2.16/28"] },
    ]);
    const rows = await env.CATALOG.prepare(
      "SELECT c.name, r.cidr FROM companies c LEFT JOIN company_ip_ranges r ON r.company_id = c.id WHERE c.domain = ?",
    )
      .bind(domain)
      .all();
    expect(rows.results).toEqual([{ name: "New Name", cidr: "192.0.2.16/28" }]);
  });

  it("resolves overlapping ranges to the most specific, for IPv4 and IPv6", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const res = await admin(
      "POST",
      "/companies",
      [
        { name: "Big ISP", domain: "big-isp.example", ipRanges: ["100.64.0.0/10", "2001:db8::/32"] },
        { name: "Small Office", domain: "small-office.example", ipRanges: ["100.64.12.0/24", "2001:db8:aa::/48"] },
      ]
        .map((c) => JSON.stringify(c))
        .join("\n"),
    );
    expect(res.body).toEqual({ imported: 2, ipRanges: 4 });
    await sendHit(pageView(pixelKey), { ip: "100.64.12.9" });
    await sendHit(pageView(pixelKey), { ip: "100.65.0.1" });
    await sendHit(pageView(pixelKey), { ip: "2001:db8:aa:1::5" });
    await sendHit(pageView(pixelKey), { ip: "2001:db8:bb::5" });
    const rows = await waitForReceipts(organization.id, 4);
    expect((await visitorCompany(api, organization.id)).sort()).toEqual(["Big ISP", "Small Office"]);
    // Two companies: each charged once, its second address already charged.
    expect(rows.map((r) => r.reason)).toEqual([
      "charged",
      "charged",
      "already_charged_this_period",
      "already_charged_this_period",
    ]);
  });

  it("rejects an import with a bad CIDR and writes nothing", async () => {
    const res = await admin("POST", "/companies", [
      { name: "Good", domain: "good-import.example", ipRanges: ["203.0.113.0/24"] },
      { name: "Bad", domain: "bad-import.example", ipRanges: ["300.1.1.0/24", "10.0.0.0/33"] },
    ]);
    expectEnvelope(res, 400, "BadRequest");
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain("1.ipRanges");
    const row = await env.CATALOG.prepare(
      "SELECT count(*) AS n FROM companies WHERE domain = 'good-import.example'",
    ).first<{
      n: number;
    }>();
    expect(row?.n).toBe(0);
  });

  it("imports people by emailSha256 and updates them on re-import", async () => {
    const hash = "a".repeat(64);
    expect((await admin("POST", "/people", [{ emailSha256: hash, name: "First" }])).body).toEqual({ imported: 1 });
    await admin("POST", "/people", [{ emailSha256: hash, name: "Second", jobTitle: "VP" }]);
    const row = await env.CATALOG.prepare("SELECT name, job_title FROM people WHERE email_sha256 = ?")
      .bind(hash)
      .first();
    expect(row).toEqual({ name: "Second", job_title: "VP" });
    expectEnvelope(await admin("POST", "/people", [{ emailSha256: "jane@example.com" }]), 400, "BadRequest");
  });

  it("N10: refuses imported links that are not http(s) (javascript:, data:) for companies and people", async () => {
    for (const link of ["javascript:alert(document.domain)", "data:text/html,<script>alert(1)</script>"]) {
      const company = await admin("POST", "/companies", [
        { name: "Evil", domain: "evil-link.example", linkedinUrl: link, ipRanges: ["203.0.113.9/32"] },
      ]);
      expectEnvelope(company, 400, "BadRequest");
      expect(company.body.details.map((d: { field: string }) => d.field)).toContain("0.linkedinUrl");
      const person = await admin("POST", "/people", [{ emailSha256: "e".repeat(64), name: "Evil", linkedinUrl: link }]);
      expectEnvelope(person, 400, "BadRequest");
    }
    const fine = await admin("POST", "/companies", [
      {
        name: "Fine",
        domain: "fine-link.example",
        linkedinUrl: "https://www.linkedin.com/company/fine",
        ipRanges: ["203.0.113.10/32"],
      },
    ]);
    expect(fine.status, fine.text).toBe(200);
  });

  it("N10: a javascript: link stored before the rule is no link in the dashboard and absent from the partner API", async () => {
    const { api, organization } = await newOrganization();
    const [visitorId] = await seedVisitors(organization.id, [
      { name: "Old Import Co", domain: "old-import.example", lastSeen: Math.floor(Date.now() / 1000) },
    ]);
    const { DB } = await tenantOfOrganization(organization.id);
    await DB.prepare("UPDATE visitors SET linkedin_url = 'javascript:alert(document.domain)' WHERE name = ?")
      .bind("Old Import Co")
      .run();
    const listed = await api("GET", `/organizations/${organization.id}/visitors`);
    expect(listed.body.visitors[0].company).toMatchObject({ name: "Old Import Co", linkedinUrl: null });
    const { browser: b, home } = await signedInClient(api, organization.id);
    const page = await b.get(`${home}/companies/${visitorId}`);
    expect(page.status, page.html).toBe(200);
    expect(page.html).toContain("Old Import Co");
    expect(page.html).not.toContain("javascript:");
  });

  it("applies two partner updates racing each other one on top of the other: the pool ends with what D1 has", async () => {
    const { partner } = await newPartner({ creditPoolTotal: 5_000 });
    const pools = delayingFirst(env.POOLS, "configure", 400)!;
    // The first change reaches the pool late, after a second change was made whole.
    const slow = fetchWith({ POOLS: pools }, `/api/v1/admin/partners/${partner.id}`, {
      method: "PUT",
      headers: { "content-type": "application/json", "x-admin-api-key": env.ADMIN_API_KEY },
      body: JSON.stringify({ creditPoolTotal: 7_000 }),
    });
    await delayStarted(pools);
    const fast = await admin("PUT", `/partners/${partner.id}`, { maxIdentificationsPerOrg: 50 });
    expect(fast.status, fast.text).toBe(200);
    const late = await slow;
    expect(late.status, late.text).toBe(200);
    expect(late.body.partner).toMatchObject({ creditPoolTotal: 7_000, maxIdentificationsPerOrg: 50 });
    const stored = await runInDurableObject(env.POOLS.get(env.POOLS.idFromName(partner.id)), (_, state) =>
      state.storage.sql
        .exec<{ total: number; max_per_organization: number | null }>("SELECT total, max_per_organization FROM config")
        .one(),
    );
    expect(stored).toEqual({ total: 7_000, max_per_organization: 50 });
  });
});
