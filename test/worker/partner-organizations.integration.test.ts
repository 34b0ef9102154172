import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { asPartner, call, expectEnvelope } from "./support/api";
import { newOrganization, newPartner } from "./support/partners";

describe("partner API: organizations", () => {
  it("creates an organization with the contract's defaults, a pixel and a script tag", async () => {
    const { api } = await newPartner();
    const res = await api("POST", "/organizations", { name: "Client Organization", externalId: "client-456" });
    expect(res.status).toBe(201);
    const org = res.body.organization;
    expect(org).toMatchObject({
      name: "Client Organization",
      externalId: "client-456",
      partnerMetadata: { externalId: "client-456" },
      status: "active",
      enabled: true,
      tier: "trial",
      productType: "B2B",
      billingPeriod: "monthly",
      billingDayOfMonth: Math.min(new Date().getUTCDate(), 28),
      credits: 0,
      creditsUsed: 0,
      creditsAvailable: 0,
      metadata: {},
      deletedAt: null,
    });
    expect(org.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

    const pixel = await api("GET", `/organizations/${org.id}/pixel`);
    expect(pixel.status).toBe(200);
    expect(pixel.body.pixel).toMatchObject({ allowedReferrers: [], apiKey: expect.stringMatching(/^[0-9a-f]{24}$/) });
    expect(pixel.body.pixel.scriptTag).toBe(
      `<script async src="https://api.test/s/${pixel.body.pixel.apiKey}.js"></script>`,
    );
    // Whitelabel: nothing in the tag names the platform or matches ad-block lists.
    expect(pixel.body.pixel.scriptTag).not.toMatch(/sightline|pixel|track|analytics|collect|beacon/i);
    expect(await env.PIXELS.get(pixel.body.pixel.apiKey, "json")).toMatchObject({
      organizationId: org.id,
      enabled: true,
    });
  });

  it("accepts the documented example body, including the 'annual' alias", async () => {
    const { api } = await newPartner();
    const res = await api("POST", "/organizations", {
      name: "Client Organization",
      externalId: "client-456",
      tier: "paid",
      billingPeriod: "annual",
      billingDayOfMonth: 1,
      initialCredits: 1000,
      productType: "B2B",
    });
    expect(res.status).toBe(201);
    expect(res.body.organization).toMatchObject({ billingPeriod: "annually", credits: 1000, creditsAvailable: 1000 });
  });

  it("refuses a duplicate externalId with 409", async () => {
    const { api } = await newPartner();
    await api("POST", "/organizations", { name: "A", externalId: "dup" });
    expectEnvelope(await api("POST", "/organizations", { name: "B", externalId: "dup" }), 409, "Conflict");
  });

  it("validates the body and lists each bad field", async () => {
    const { api } = await newPartner();
    const res = await api("POST", "/organizations", { name: "", billingDayOfMonth: 31, tier: "gold" });
    expectEnvelope(res, 400, "BadRequest");
    const fields = res.body.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(["name", "billingDayOfMonth", "tier"]));
    expectEnvelope(await api("POST", "/organizations", "{not json"), 400, "BadRequest");
  });

  it("caps trial organizations at 500 credits", async () => {
    const { api } = await newPartner();
    expectEnvelope(await api("POST", "/organizations", { name: "T", initialCredits: 501 }), 422, "TrialCreditLimit");
    const org = (await api("POST", "/organizations", { name: "T", initialCredits: 500 })).body.organization;
    expectEnvelope(await api("PUT", `/organizations/${org.id}/credits`, { credits: 501 }), 422, "TrialCreditLimit");
  });

  it("draws allocations from the partner pool and refuses what the pool cannot cover", async () => {
    const { api } = await newPartner({ creditPoolTotal: 1000 });
    const a = (await api("POST", "/organizations", { name: "A", tier: "paid", initialCredits: 600 })).body.organization;
    const short = await api("POST", "/organizations", { name: "B", tier: "paid", initialCredits: 500 });
    expectEnvelope(short, 422, "InsufficientCredits");
    expect(short.body.details).toEqual({ requested: 500, available: 400 });

    const b = (await api("POST", "/organizations", { name: "B", tier: "paid", initialCredits: 400 })).body.organization;
    expectEnvelope(await api("PUT", `/organizations/${b.id}/credits`, { credits: 401 }), 422, "InsufficientCredits");
    // Setting, not adding: lowering A frees credits for B.
    const lowered = await api("PUT", `/organizations/${a.id}/credits`, { credits: 100, notes: "rebalance" });
    expect(lowered.status).toBe(200);
    expect(lowered.body.allocation).toMatchObject({
      organizationId: a.id,
      creditsAllocated: 100,
      creditsUsed: 0,
      creditsAvailable: 100,
      notes: "rebalance",
    });
    expect((await api("PUT", `/organizations/${b.id}/credits`, { credits: 900 })).status).toBe(200);
  });

  it("never oversubscribes the pool when allocations race", async () => {
    const { api } = await newPartner({ creditPoolTotal: 1000 });
    const orgs = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api("POST", "/organizations", { name: `O${i}`, tier: "paid" }).then((r) => r.body.organization),
      ),
    );
    const results = await Promise.all(orgs.map((o) => api("PUT", `/organizations/${o.id}/credits`, { credits: 300 })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.status === 422)).toHaveLength(7);
  });

  it("keeps every allocation within the operator's per-organization cap", async () => {
    const { api } = await newPartner({ maxIdentificationsPerOrg: 1000 });
    const over = await api("POST", "/organizations", { name: "Big", tier: "paid", initialCredits: 1001 });
    expectEnvelope(over, 422, "UnprocessableEntity");
    expect(over.body.details).toEqual({ requested: 1001, limit: 1000 });
    const org = (await api("POST", "/organizations", { name: "Capped", tier: "paid", initialCredits: 1000 })).body
      .organization;
    expectEnvelope(await api("PUT", `/organizations/${org.id}/credits`, { credits: 1001 }), 422, "UnprocessableEntity");
    expect((await api("GET", `/organizations/${org.id}`)).body.organization.credits).toBe(1000);
  });

  it("does not let usage_based partners hit a pool, since they have none", async () => {
    const { api } = await newPartner({ billingMode: "usage_based", creditPoolTotal: 0 });
    const res = await api("POST", "/organizations", { name: "U", tier: "paid", initialCredits: 5000 });
    expect(res.status).toBe(201);
  });

  it("normalises allowed referrers and rejects entries that are not hosts", async () => {
    const { api, organization } = await newOrganization();
    const ok = await api("PUT", `/organizations/${organization.id}/pixel`, {
      allowedReferrers: ["Example.COM", "https://www.example.com/path", "*.example.org", "shop.example.com:8443"],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.pixel.allowedReferrers).toEqual([
      "example.com",
      "www.example.com",
      "*.example.org",
      "shop.example.com",
    ]);
    const bad = await api("PUT", `/organizations/${organization.id}/pixel`, { allowedReferrers: ["not a host!"] });
    expectEnvelope(bad, 400, "BadRequest");
  });

  it("keeps the pixel's consent mode (personal by default), serves it in the script, and rejects unknown modes", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const path = `/organizations/${organization.id}/pixel`;
    const servedLevel = async () =>
      /"c":(\d)/.exec(await (await exports.default.fetch(`https://api.test/s/${pixelKey}.js`)).text())?.[1];
    expect((await api("GET", path)).body.pixel.consentMode).toBe("personal");
    expect(await servedLevel()).toBe("1");

    const all = await api("PUT", path, { consentMode: "all" });
    expect(all.status).toBe(200);
    expect(all.body.pixel.consentMode).toBe("all");
    expect((await api("GET", path)).body.pixel.consentMode).toBe("all");
    expect(await env.PIXELS.get(pixelKey, "json")).toMatchObject({ consentMode: "all" });
    expect(await servedLevel()).toBe("0");

    // Other settings leave the mode alone.
    await api("PUT", path, { hashRouting: true });
    expect((await api("GET", path)).body.pixel).toMatchObject({ consentMode: "all", hashRouting: true });

    const bad = await api("PUT", path, { consentMode: "strict" });
    expectEnvelope(bad, 400, "BadRequest");
    expect(JSON.stringify(bad.body.details)).toContain("consentMode");
    expect((await api("GET", path)).body.pixel.consentMode).toBe("all");

    await api("PUT", path, { consentMode: "off" });
    expect(await servedLevel()).toBe("2");
  });

  it("answers 404 to another partner's key for every organization route, and changes nothing", async () => {
    const owner = await newOrganization();
    const intruder = await newPartner();
    const id = owner.organization.id;
    const attempts = [
      intruder.api("GET", `/organizations/${id}`),
      intruder.api("GET", `/organizations/${id}/pixel`),
      intruder.api("PUT", `/organizations/${id}/pixel`, { allowedReferrers: ["evil.example"] }),
      intruder.api("PUT", `/organizations/${id}/status`, { enabled: false }),
      intruder.api("PUT", `/organizations/${id}/credits`, { credits: 0 }),
      intruder.api("GET", `/organizations/${id}/visitors`),
    ];
    for (const res of await Promise.all(attempts)) expectEnvelope(res, 404, "NotFound");
    expect((await intruder.api("GET", "/organizations")).body.total).toBe(0);
    const after = await owner.api("GET", `/organizations/${id}`);
    expect(after.body.organization).toMatchObject({ enabled: true, credits: 100 });
    expect((await owner.api("GET", `/organizations/${id}/pixel`)).body.pixel.allowedReferrers).toEqual([]);
  });

  it("answers 401 without a valid key", async () => {
    expectEnvelope(await call("GET", "/api/v1/partner/organizations"), 401, "Unauthorized");
    expectEnvelope(
      await asPartner("pk_live_00000000000000000000000000000000")("GET", "/organizations"),
      401,
      "Unauthorized",
    );
    expectEnvelope(await asPartner("nonsense")("GET", "/organizations"), 401, "Unauthorized");
  });

  it("finds organizations by externalId and search, hiding canceled ones unless asked", async () => {
    const { api } = await newPartner();
    await api("POST", "/organizations", { name: "Northwind Traders", externalId: "nw" });
    await api("POST", "/organizations", { name: "Contoso", externalId: "co" });
    expect(
      (await api("GET", "/organizations?externalId=nw")).body.organizations.map((o: { name: string }) => o.name),
    ).toEqual(["Northwind Traders"]);
    expect((await api("GET", "/organizations?search=WIND")).body.total).toBe(1);
    const page = await api("GET", "/organizations?page=1&pageSize=1");
    expect(page.body).toMatchObject({ total: 2, page: 1, pageSize: 1 });
    expectEnvelope(await api("GET", "/organizations?pageSize=101"), 400, "BadRequest");
  });
});
