import { env, exports } from "cloudflare:workers";

import { configOf } from "../../worker/config";
import { describe, expect, it, vi } from "vitest";
import { admin, asPartner, BASE, expectEnvelope } from "./support/api";
import { newOrganization, newPartner } from "./support/partners";

/** Partner-wide changes reach the pixel records through the JOBS queue: waits until the record matches. */
async function recordBecomes(pixelKey: string, expected: Record<string, unknown>) {
  await vi.waitFor(async () => expect(await env.PIXELS.get(pixelKey, "json")).toMatchObject(expected), {
    timeout: 15_000,
    interval: 100,
  });
}

/** A second key of the partner with these scopes. */
async function keyWithScopes(api: ReturnType<typeof asPartner>, scopes: string[]) {
  const res = await api("POST", "/api-keys", { name: `${scopes.join("+")} key`, scopes });
  expect(res.status, res.text).toBe(201);
  return asPartner(res.body.plainKey);
}

describe("partner API: account", () => {
  it("shows the partner account with its pool arithmetic", async () => {
    const { api, partner } = await newPartner({
      creditPoolTotal: 1000,
      companyName: "Acme Agency",
      supportEmail: "help@acme.example",
    });
    await api("POST", "/organizations", { name: "A", tier: "paid", initialCredits: 300 });
    const res = await api("GET", "/me");
    expect(res.status).toBe(200);
    expect(res.body.partner).toMatchObject({
      id: partner.id,
      slug: partner.slug,
      status: "active",
      companyName: "Acme Agency",
      supportEmail: "help@acme.example",
      scriptDomain: null,
      scriptDomainVerified: false,
      billingMode: "credit_pool",
      creditPoolTotal: 1000,
      creditPoolUsed: 300,
      creditPoolAvailable: 700,
      identificationWebhookEnabled: false,
      billingWebhookEnabled: false,
    });
    expect(res.body.partner.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it("answers 401 in the envelope without a valid key", async () => {
    expectEnvelope(await asPartner("pk_live_00000000000000000000000000000000")("GET", "/me"), 401, "Unauthorized");
    expectEnvelope(await asPartner("nonsense")("GET", "/me"), 401, "Unauthorized");
  });

  it("changes only the branding fields sent", async () => {
    const { api, partner } = await newPartner({ companyName: "Old Name" });
    const first = await api("PUT", "/branding", {
      logoUrl: "https://cdn.acme.example/logo.svg",
      primaryColor: "#1A73E8",
    });
    expect(first.status, first.text).toBe(200);
    expect(first.body).toEqual({
      partner: {
        id: partner.id,
        name: partner.name,
        slug: partner.slug,
        logoUrl: "https://cdn.acme.example/logo.svg",
        primaryColor: "#1A73E8",
        secondaryColor: null,
        companyName: "Old Name",
      },
    });
    const second = await api("PUT", "/branding", {
      secondaryColor: "#00ff00",
      companyName: "  New Name ",
      logoUrl: null,
    });
    expect(second.body.partner).toMatchObject({
      logoUrl: null,
      primaryColor: "#1A73E8",
      secondaryColor: "#00ff00",
      companyName: "New Name",
    });
    expect((await api("GET", "/me")).body.partner).toMatchObject({
      secondaryColor: "#00ff00",
      companyName: "New Name",
    });
  });

  it("rejects bad branding values field by field", async () => {
    const { api } = await newPartner();
    const res = await api("PUT", "/branding", {
      logoUrl: "http://insecure.example/logo.png",
      primaryColor: "blue",
      companyName: "",
    });
    expectEnvelope(res, 400, "BadRequest");
    expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(
      expect.arrayContaining(["logoUrl", "primaryColor", "companyName"]),
    );
    expectEnvelope(await api("PUT", "/branding", { secondaryColor: "#12345" }), 400, "BadRequest");
    expectEnvelope(await api("PUT", "/branding", { favicon: "https://x.example/f.ico" }), 400, "BadRequest");
  });

  it("lets a read-only key read the account but not change the branding", async () => {
    const { api } = await newPartner();
    const readOnly = await keyWithScopes(api, ["read"]);
    expect((await readOnly("GET", "/me")).status).toBe(200);
    expect((await readOnly("GET", "/script-config")).status).toBe(200);
    expectEnvelope(await readOnly("PUT", "/branding", { primaryColor: "#000000" }), 403, "Forbidden");
    // `write` is not enough either: branding needs `admin`.
    const writer = await keyWithScopes(api, ["write"]);
    expectEnvelope(await writer("PUT", "/branding", { primaryColor: "#000000" }), 403, "Forbidden");
    const admin_ = await keyWithScopes(api, ["admin"]);
    expect((await admin_("PUT", "/branding", { primaryColor: "#000000" })).status).toBe(200);
  });

  it("tells what embedding the script needs", async () => {
    const { api, partner } = await newPartner({ companyName: "Acme Agency" });
    const res = await api("GET", "/script-config");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      companyName: "Acme Agency",
      slug: partner.slug,
      scriptDomain: null,
      scriptDomainVerified: false,
      scriptBaseUrl: BASE,
      globalName: "_wq",
    });
  });

  it("renames the script's global on every client site through the pixel records", { timeout: 30_000 }, async () => {
    const { api, pixelKey, organization } = await newOrganization();
    const second = (await api("POST", "/organizations", { name: "Second" })).body.organization;
    const secondKey = (await api("GET", `/organizations/${second.id}/pixel`)).body.pixel.apiKey;

    const res = await api("PUT", "/script-config", { globalName: "_acme" });
    expect(res.status, res.text).toBe(200);
    expect(res.body.globalName).toBe("_acme");
    await recordBecomes(pixelKey, { organizationId: organization.id, globalName: "_acme" });
    await recordBecomes(secondKey, { globalName: "_acme" });
    const script = await (await exports.default.fetch(`${BASE}/s/${pixelKey}.js`)).text();
    expect(script).toContain("_acme");

    await api("PUT", "/script-config", { globalName: null });
    expect((await api("GET", "/script-config")).body.globalName).toBe("_wq");
    await recordBecomes(pixelKey, { globalName: "_wq" });
  });

  it("refuses a global name that is not a safe JavaScript identifier", async () => {
    const { api } = await newPartner();
    for (const globalName of ["1abc", "my-name", "window", "class", "a".repeat(33)]) {
      const res = await api("PUT", "/script-config", { globalName });
      expectEnvelope(res, 400, "BadRequest");
      expect(res.body.details[0].field).toBe("globalName");
    }
    const readOnly = await keyWithScopes(api, ["read", "write"]);
    expectEnvelope(await readOnly("PUT", "/script-config", { globalName: "_ok" }), 403, "Forbidden");
  });
});

describe("the script's global name", () => {
  const TAKEN = ["setTimeout", "addEventListener", "postMessage", "onerror", "onload", "customElements", "location"];

  it("L6: refuses a property of the browser's window on every path that sets it", async () => {
    const { api, partner } = await newPartner();
    for (const globalName of TAKEN) {
      const partnerPut = await api("PUT", "/script-config", { globalName });
      expect(partnerPut.status, `PUT /script-config ${globalName}`).toBe(400);
      expect(partnerPut.body.details).toEqual([{ field: "globalName", message: expect.stringContaining("window") }]);
      const operatorCreate = await admin("POST", "/partners", {
        name: "Agency",
        slug: `agency-${crypto.randomUUID().slice(0, 8)}`,
        globalName,
      });
      expect(operatorCreate.status, `POST /admin/partners ${globalName}`).toBe(400);
      const operatorUpdate = await admin("PUT", `/partners/${partner.id}`, { globalName });
      expect(operatorUpdate.status, `PUT /admin/partners ${globalName}`).toBe(400);
    }
    expect((await api("GET", "/script-config")).body.globalName).toBe("_wq");
    expect(() => configOf({ ...env, DEFAULT_GLOBAL_NAME: "setTimeout" })).toThrow(/DEFAULT_GLOBAL_NAME/);
  });

  it("L6: accepts a name no page has, on every path that sets it", async () => {
    const created = await admin("POST", "/partners", {
      name: "Agency",
      slug: `agency-${crypto.randomUUID().slice(0, 8)}`,
      globalName: "_northwindQ",
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.partner.globalName).toBe("_northwindQ");
    const api = asPartner(created.body.plainKey);
    expect((await api("PUT", "/script-config", { globalName: "nwQueue" })).body.globalName).toBe("nwQueue");
  });
});

describe("operator API: updating a partner", () => {
  it("changes billing settings and limits, only the fields sent", async () => {
    const { partner } = await newPartner({ creditPoolTotal: 1000 });
    const res = await admin("PUT", `/partners/${partner.id}`, {
      billingPeriod: "annual",
      billingDayOfMonth: 15,
      creditPoolTotal: 5000,
      maxOrganizations: 3,
      maxIdentificationsPerOrg: 100,
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.partner).toMatchObject({
      billingMode: "credit_pool",
      billingPeriod: "annually",
      billingDayOfMonth: 15,
      creditPoolTotal: 5000,
      creditPoolAvailable: 5000,
      maxOrganizations: 3,
      maxIdentificationsPerOrg: 100,
    });
    const again = await admin("PUT", `/partners/${partner.id}`, { maxOrganizations: null });
    expect(again.body.partner).toMatchObject({ maxOrganizations: null, creditPoolTotal: 5000, billingDayOfMonth: 15 });
  });

  it("refuses a pool total below what is already allocated", async () => {
    const { partner, api } = await newPartner({ creditPoolTotal: 1000 });
    await api("POST", "/organizations", { name: "A", tier: "paid", initialCredits: 600 });
    const res = await admin("PUT", `/partners/${partner.id}`, { creditPoolTotal: 599 });
    expectEnvelope(res, 422, "UnprocessableEntity");
    expect(res.body.details).toEqual({ creditPoolTotal: 599, allocated: 600 });
    expect((await admin("PUT", `/partners/${partner.id}`, { creditPoolTotal: 600 })).body.partner).toMatchObject({
      creditPoolTotal: 600,
      creditPoolAvailable: 0,
    });
    // Moving a usage-based partner back to a pool applies the same rule.
    await admin("PUT", `/partners/${partner.id}`, { billingMode: "usage_based", creditPoolTotal: 0 });
    expectEnvelope(
      await admin("PUT", `/partners/${partner.id}`, { billingMode: "pooled" }),
      422,
      "UnprocessableEntity",
    );
  });

  it("suspends a partner: its keys stop working and its scripts go empty", { timeout: 30_000 }, async () => {
    const { partner, api, pixelKey } = await newOrganization();
    const res = await admin("PUT", `/partners/${partner.id}`, { status: "suspended" });
    expect(res.status).toBe(200);
    expect(res.body.partner.status).toBe("suspended");
    await recordBecomes(pixelKey, { enabled: false });
    expect(await (await exports.default.fetch(`${BASE}/s/${pixelKey}.js`)).text()).toBe("");
    expectEnvelope(await api("GET", "/me"), 401, "Unauthorized");

    await admin("PUT", `/partners/${partner.id}`, { status: "active" });
    await recordBecomes(pixelKey, { enabled: true });
    expect((await api("GET", "/me")).status).toBe(200);
  });

  it("sets the script's global name for the partner", { timeout: 30_000 }, async () => {
    const { partner, pixelKey } = await newOrganization();
    const res = await admin("PUT", `/partners/${partner.id}`, { globalName: "_agency" });
    expect(res.body.partner.globalName).toBe("_agency");
    await recordBecomes(pixelKey, { globalName: "_agency" });
  });

  it("validates the update and answers 404 for an unknown partner", async () => {
    const { partner } = await newPartner();
    const res = await admin("PUT", `/partners/${partner.id}`, {
      billingDayOfMonth: 29,
      status: "deleted",
      creditPoolTotal: -1,
    });
    expectEnvelope(res, 400, "BadRequest");
    expect(res.body.details.map((d: { field: string }) => d.field)).toEqual(
      expect.arrayContaining(["billingDayOfMonth", "status", "creditPoolTotal"]),
    );
    expectEnvelope(await admin("PUT", "/partners/prt_unknown", { status: "active" }), 404, "NotFound");
  });
});
