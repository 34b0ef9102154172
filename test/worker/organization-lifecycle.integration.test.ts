import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { asPartner, BASE, expectEnvelope } from "./support/api";
import { importCompany, newOrganization, newPartner, tenantOfOrganization } from "./support/partners";
import { freshIp, pageView, sendHit } from "./support/hits";
import { waitForReceipts } from "./support/receipts";
import { counterOf } from "./support/counter";

async function script(pixelKey: string) {
  const response = await exports.default.fetch(`${BASE}/s/${pixelKey}.js`);
  return { status: response.status, body: await response.text() };
}

describe("partner API: organization lifecycle", () => {
  it("changes only the fields sent, accepting the 'annual' alias", async () => {
    const { api, organization } = await newOrganization({
      name: "Before",
      externalId: "ext-1",
      metadata: { plan: "a" },
    });
    const res = await api("PUT", `/organizations/${organization.id}`, {
      name: "After",
      metadata: { plan: "b", seats: 3 },
      ownerUserId: "user-9",
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.organization).toMatchObject({
      id: organization.id,
      name: "After",
      externalId: "ext-1",
      partnerMetadata: { externalId: "ext-1" },
      metadata: { plan: "b", seats: 3 },
      ownerUserId: "user-9",
      billingPeriod: organization.billingPeriod,
      productType: "B2B",
      credits: 100,
    });

    const billing = await api("PUT", `/organizations/${organization.id}`, {
      billingPeriod: "annual",
      billingDayOfMonth: 5,
    });
    expect(billing.status, billing.text).toBe(200);
    expect(billing.body.organization).toMatchObject({ name: "After", billingPeriod: "annually", billingDayOfMonth: 5 });
    // Written through to the credit counter, which decides the periods: the new rule waits for the running period's end.
    const counter = await counterOf(organization.id);
    const schedule = await runInDurableObject(counter, async (_instance, state) =>
      JSON.parse(state.storage.sql.exec<{ schedule: string }>("SELECT schedule FROM config").one().schedule),
    );
    expect(schedule.rules.at(-1)).toEqual({
      from: Date.parse(organization.currentPeriodEnd),
      period: "annually",
      dayOfMonth: 5,
    });
    expect(billing.body.organization.billingChangeEffectiveAt).toBe(organization.currentPeriodEnd);

    const cleared = await api("PUT", `/organizations/${organization.id}`, { externalId: null, ownerUserId: null });
    expect(cleared.body.organization).toMatchObject({
      externalId: null,
      ownerUserId: null,
      partnerMetadata: { externalId: null },
    });
  });

  it("writes a product type change through to the pixel configuration the edge reads", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const res = await api("PUT", `/organizations/${organization.id}`, { productType: "B2C" });
    expect(res.body.organization.productType).toBe("B2C");
    expect(await env.PIXELS.get(pixelKey, "json")).toMatchObject({
      organizationId: organization.id,
      productType: "B2C",
    });
  });

  it("refuses an externalId another organization of the partner has with 409; other partners may use it", async () => {
    const { api, organization } = await newOrganization();
    await api("POST", "/organizations", { name: "Other", externalId: "taken" });
    const res = await api("PUT", `/organizations/${organization.id}`, { externalId: "taken", name: "Renamed" });
    expectEnvelope(res, 409, "Conflict");
    expect((await api("GET", `/organizations/${organization.id}`)).body.organization.name).toBe("Client");

    const other = await newOrganization();
    expect((await other.api("PUT", `/organizations/${other.organization.id}`, { externalId: "taken" })).status).toBe(
      200,
    );
  });

  it("validates the update and lists each bad field", async () => {
    const { api, organization } = await newOrganization();
    const res = await api("PUT", `/organizations/${organization.id}`, {
      name: "",
      billingPeriod: "weekly",
      billingDayOfMonth: 29,
      productType: "B2X",
      metadata: "not an object",
    });
    expectEnvelope(res, 400, "BadRequest");
    const fields = res.body.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining(["name", "billingPeriod", "billingDayOfMonth", "productType", "metadata"]),
    );
  });

  it("cancels a deleted organization: 204, empty script, rejected hits, visitors kept", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`, "Kept Corp");
    await sendHit(pageView(pixelKey), { ip });
    await waitForReceipts(organization.id, 1);
    expect((await script(pixelKey)).body).not.toBe("");

    const res = await api("DELETE", `/organizations/${organization.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe("");

    const org = (await api("GET", `/organizations/${organization.id}`)).body.organization;
    expect(org).toMatchObject({ status: "canceled", enabled: false });
    expect(org.deletedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(await script(pixelKey)).toEqual({ status: 200, body: "" });
    expectEnvelope(await sendHit(pageView(pixelKey), { ip }), 403, "Forbidden");

    const visitors = await api("GET", `/organizations/${organization.id}/visitors`);
    expect(visitors.body.visitors.map((v: { company: { name: string } }) => v.company.name)).toEqual(["Kept Corp"]);
    const listed = await api("GET", "/organizations");
    expect(listed.body.organizations.map((o: { id: string }) => o.id)).not.toContain(organization.id);
    const canceled = await api("GET", "/organizations?status=canceled");
    expect(canceled.body.organizations.map((o: { id: string }) => o.id)).toEqual([organization.id]);

    // Deleting again changes nothing.
    expect((await api("DELETE", `/organizations/${organization.id}`)).status).toBe(204);
    expect((await api("GET", `/organizations/${organization.id}`)).body.organization.deletedAt).toBe(org.deletedAt);
  });

  it("returns a deleted organization's unused credits to the pool, keeping what it used this period", async () => {
    const { api, organization, pixelKey } = await newOrganization({ initialCredits: 600 }, { creditPoolTotal: 1000 });
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    await sendHit(pageView(pixelKey), { ip });
    expect((await waitForReceipts(organization.id, 1))[0]!.reason).toBe("charged");
    expectEnvelope(
      await api("POST", "/organizations", { name: "Big", tier: "paid", initialCredits: 999 }),
      422,
      "InsufficientCredits",
    );

    expect((await api("DELETE", `/organizations/${organization.id}`)).status).toBe(204);
    const org = (await api("GET", `/organizations/${organization.id}`)).body.organization;
    expect(org).toMatchObject({ credits: 1, creditsUsed: 1, creditsAvailable: 0 });
    expect((await api("POST", "/organizations", { name: "Big", tier: "paid", initialCredits: 999 })).status).toBe(201);
  });

  it("makes a deleted organization active again when it is re-enabled", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    await api("DELETE", `/organizations/${organization.id}`);
    const res = await api("PUT", `/organizations/${organization.id}/status`, { enabled: true });
    expect(res.body.organization).toMatchObject({ status: "active", enabled: true, deletedAt: null });
    expect((await script(pixelKey)).body).not.toBe("");
  });

  it("moves an organization between paid and trial, refusing trial above 500 credits", async () => {
    const { api, organization } = await newOrganization({ tier: "paid", initialCredits: 501 });
    const refused = await api("PUT", `/organizations/${organization.id}/tier`, { tier: "trial" });
    expectEnvelope(refused, 422, "TrialCreditLimit");
    expect(refused.body.details).toEqual({ requested: 501, limit: 500 });
    expect((await api("GET", `/organizations/${organization.id}`)).body.organization.tier).toBe("paid");

    await api("PUT", `/organizations/${organization.id}/credits`, { credits: 500 });
    const trial = await api("PUT", `/organizations/${organization.id}/tier`, { tier: "trial" });
    expect(trial.status).toBe(200);
    expect(trial.body.organization).toMatchObject({ tier: "trial", credits: 500 });
    expect((await api("PUT", `/organizations/${organization.id}/tier`, { tier: "paid" })).body.organization.tier).toBe(
      "paid",
    );
    expectEnvelope(await api("PUT", `/organizations/${organization.id}/tier`, { tier: "gold" }), 400, "BadRequest");
  });

  it("rotates the pixel key: the new key works at once, the old one stops", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const res = await api("POST", `/organizations/${organization.id}/pixel/rotate-key`);
    expect(res.status, res.text).toBe(200);
    const fresh = res.body.pixel.apiKey as string;
    expect(fresh).toMatch(/^[0-9a-f]{24}$/);
    expect(fresh).not.toBe(pixelKey);
    expect(res.body.pixel.scriptTag).toContain(`/s/${fresh}.js`);
    expect((await api("GET", `/organizations/${organization.id}/pixel`)).body.pixel.apiKey).toBe(fresh);

    expect(await script(pixelKey)).toEqual({ status: 200, body: "" });
    expectEnvelope(await sendHit(pageView(pixelKey)), 404, "NotFound");
    expect((await script(fresh)).body).not.toBe("");
    expect((await sendHit(pageView(fresh))).status).toBe(204);
  });

  it("answers 404 for another partner's organization on every lifecycle route and changes nothing", async () => {
    const { organization, pixelKey } = await newOrganization({ name: "Mine", initialCredits: 100 });
    const { api: intruder } = await newPartner();
    const path = `/organizations/${organization.id}`;
    expectEnvelope(await intruder("PUT", path, { name: "Hacked" }), 404, "NotFound");
    expectEnvelope(await intruder("DELETE", path), 404, "NotFound");
    expectEnvelope(await intruder("PUT", `${path}/tier`, { tier: "trial" }), 404, "NotFound");
    expectEnvelope(await intruder("POST", `${path}/pixel/rotate-key`), 404, "NotFound");
    expectEnvelope(await intruder("PUT", "/organizations/org_unknown", { name: "x" }), 404, "NotFound");

    const row = await (
      await tenantOfOrganization(organization.id)
    ).DB.prepare("SELECT name, status, tier, credits FROM organizations WHERE id = ?")
      .bind(organization.id)
      .first();
    expect(row).toEqual({ name: "Mine", status: "active", tier: "paid", credits: 100 });
    expect((await script(pixelKey)).body).not.toBe("");
  });

  it("needs the write scope to change, delete, re-tier or rotate; a read key can still look", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const issued = await api("POST", "/api-keys", { name: "dashboard", scopes: ["read"] });
    expect(issued.status, issued.text).toBe(201);
    const reader = asPartner(issued.body.plainKey);
    const path = `/organizations/${organization.id}`;
    expectEnvelope(await reader("PUT", path, { name: "x" }), 403, "Forbidden");
    expectEnvelope(await reader("DELETE", path), 403, "Forbidden");
    expectEnvelope(await reader("PUT", `${path}/tier`, { tier: "paid" }), 403, "Forbidden");
    expectEnvelope(await reader("POST", `${path}/pixel/rotate-key`), 403, "Forbidden");
    expect((await reader("GET", path)).body.organization).toMatchObject({ name: "Client", status: "active" });
    expect((await reader("GET", `${path}/pixel`)).body.pixel.apiKey).toBe(pixelKey);
  });
});
