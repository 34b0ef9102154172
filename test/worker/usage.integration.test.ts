import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { quote, type PricingTier } from "../../worker/billing/pricing";
import { mirrorStatements } from "../../worker/credits/mirror";
import { call, expectEnvelope } from "./support/api";
import { importCompany, newOrganization, newPartner, tenantOfOrganization } from "./support/partners";
import { accepted, deliver, freshIp, pageView, sendHit } from "./support/hits";
import { waitForReceipts } from "./support/receipts";
import { flushCounter } from "./support/counter";

const BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const today = () => new Date().toISOString().slice(0, 10);

describe("usage endpoints", () => {
  it("reports credits consumed, identifications and recorded hits from the daily rollups", async () => {
    const { api, partner, organization, pixelKey } = await newOrganization({
      initialCredits: 100,
      externalId: "client-1",
    });
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    await sendHit(pageView(pixelKey), { ip });
    await waitForReceipts(organization.id, 1);
    await sendHit(pageView(pixelKey), { ip }); // the same company again: free
    await sendHit(pageView(pixelKey), { ip: freshIp() }); // nobody identified
    await sendHit(pageView(pixelKey), { ip, userAgent: BOT_UA });
    await waitForReceipts(organization.id, 4);
    await flushCounter(organization.id);

    const usage = await api("GET", "/usage");
    expect(usage.status, usage.text).toBe(200);
    expect(usage.body).toEqual({
      startDate: `${today().slice(0, 8)}01`,
      endDate: today(),
      totalQuantity: 1,
      totalEvents: 4,
    });

    const current = await api("GET", "/billing/usage");
    expect(current.body).toMatchObject({
      creditsConsumed: 1,
      identifications: 2,
      estimatedCost: 0.1,
      currency: "USD",
      organizations: [{ organizationId: organization.id, externalId: "client-1", name: "Client", creditsConsumed: 1 }],
    });

    const billing = await api("GET", "/billing");
    expect(billing.body).toMatchObject({
      partnerId: partner.id,
      billingMode: "credit_pool",
      billingPeriod: "monthly",
      creditPoolTotal: 100_000,
      creditPoolUsed: 100,
      creditPoolAvailable: 99_900,
      creditsConsumed: 1,
      currency: "USD",
    });
    expect(billing.body.pricingTiers[0]).toEqual({
      tier: "starter",
      pricePerIdentification: 0.1,
      minUsage: 0,
      maxUsage: 1000,
    });
    expect(Date.parse(billing.body.billingPeriodStart)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(billing.body.nextBillingDate)).toBeGreaterThan(Date.now());
    expect(current.body.periodStart).toBe(billing.body.billingPeriodStart);

    const analytics = await api("GET", "/analytics");
    expect(analytics.body).toMatchObject({
      partnerId: partner.id,
      endDate: today(),
      totalOrganizations: 1,
      activeOrganizations: 1,
      totalIdentifications: 2,
      creditsUsed: 1,
      creditsRemaining: 99,
    });
    const days = (Date.parse(analytics.body.endDate) - Date.parse(analytics.body.startDate)) / 86_400_000;
    expect(days).toBe(29);
  });

  it("counts a replayed batch once in the rollups", async () => {
    const { api, partner, organization, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const message = accepted(organization.id, partner, pixelKey, ip, Date.now());
    await deliver([message]);
    await deliver([message]);
    await Promise.all([deliver([message]), deliver([message])]);
    expect((await api("GET", "/usage")).body).toMatchObject({ totalQuantity: 1, totalEvents: 1 });
  });

  it("counts a refund in the usage of the day it was booked, once however often the ledger is mirrored", async () => {
    const { api, partner, organization, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const message = accepted(organization.id, partner, pixelKey, ip, Date.now());
    await deliver([message]);
    await flushCounter(organization.id);
    const refunded = await call("POST", `/api/v1/admin/partners/${partner.id}/credits/adjust`, {
      body: { organizationId: organization.id, reason: "test traffic", refundEventId: message.hit.i },
      headers: { "x-admin-api-key": env.ADMIN_API_KEY },
    });
    expect(refunded.status, refunded.text).toBe(200);
    await flushCounter(organization.id);
    // The same entry mirrored again (an alarm repeated after a lost answer) counts nothing more.
    const [entry] = (await api("GET", `/organizations/${organization.id}/ledger?kind=refund`)).body.entries;
    const snapshot = {
      organizationId: organization.id,
      periodStart: "",
      periodEnd: "",
      allocation: 0,
      used: 0,
      available: 0,
      lastSeq: 0,
    };
    const { DB } = await tenantOfOrganization(organization.id);
    await DB.batch(mirrorStatements(DB, [entry], snapshot));
    const row = await (
      await tenantOfOrganization(organization.id)
    ).DB.prepare("SELECT sum(credits) AS credits, sum(refunds) AS refunds FROM usage_daily WHERE organization_id = ?")
      .bind(organization.id)
      .first();
    expect(row).toEqual({ credits: 1, refunds: 1 });
    expect((await api("GET", "/usage")).body).toMatchObject({ totalQuantity: 0, totalEvents: 1 });
    expect((await api("GET", "/billing/usage")).body).toMatchObject({ creditsConsumed: 0, identifications: 1 });
  });

  it("filters usage by inclusive UTC days and validates the range", async () => {
    const { api, partner, organization, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const day = Date.UTC(2026, 0, 10, 23, 59, 59);
    await deliver([accepted(organization.id, partner, pixelKey, ip, day)]);
    await deliver([accepted(organization.id, partner, pixelKey, freshIp(), day - 86_400_000)]);

    expect((await api("GET", "/usage?startDate=2026-01-10&endDate=2026-01-10")).body).toMatchObject({
      startDate: "2026-01-10",
      endDate: "2026-01-10",
      totalQuantity: 1,
      totalEvents: 1,
    });
    expect((await api("GET", "/usage?startDate=2026-01-09T08:00:00Z&endDate=2026-01-31")).body).toMatchObject({
      startDate: "2026-01-09",
      totalQuantity: 1,
      totalEvents: 2,
    });
    expect((await api("GET", "/analytics?startDate=2026-01-01&endDate=2026-01-31")).body).toMatchObject({
      activeOrganizations: 1,
      totalIdentifications: 1,
      creditsUsed: 1,
    });
    expectEnvelope(await api("GET", "/usage?startDate=2026-02-01&endDate=2026-01-01"), 400, "BadRequest");
    expectEnvelope(await api("GET", "/analytics?startDate=yesterday"), 400, "BadRequest");
  });

  it("prices usage with volume tiers", async () => {
    const { api } = await newPartner();
    expect((await api("GET", "/billing/calculate?usage=2500")).body).toEqual({
      usage: 2500,
      cost: 200,
      tier: "growth",
      currency: "USD",
    });
    expect((await api("GET", "/billing/calculate?usage=0")).body).toEqual({
      usage: 0,
      cost: 0,
      tier: "starter",
      currency: "USD",
    });
    expect((await api("GET", "/billing/calculate?usage=250000")).body).toMatchObject({
      cost: 10_000,
      tier: "enterprise",
    });
    expectEnvelope(await api("GET", "/billing/calculate?usage=-1"), 400, "BadRequest");
    expectEnvelope(await api("GET", "/billing/calculate"), 400, "BadRequest");

    const tiers: PricingTier[] = [
      { tier: "a", pricePerIdentification: 0.1, minUsage: 0, maxUsage: 10, currency: "EUR" },
      { tier: "b", pricePerIdentification: 0.07, minUsage: 11, maxUsage: null, currency: "EUR" },
    ];
    expect(quote(tiers, 10)).toEqual({ usage: 10, cost: 1, tier: "a", currency: "EUR" });
    expect(quote(tiers, 3)).toEqual({ usage: 3, cost: 0.3, tier: "a", currency: "EUR" });
    expect(quote(tiers, 11)).toEqual({ usage: 11, cost: 0.77, tier: "b", currency: "EUR" });
    expect(quote([], 5)).toEqual({ usage: 5, cost: 0, tier: null, currency: "USD" });
  });

  it("uses the partner's own billing period and day for the pool period", async () => {
    const { api } = await newPartner({ billingPeriod: "quarterly", billingDayOfMonth: 5 });
    const { body } = await api("GET", "/billing");
    const start = new Date(body.billingPeriodStart);
    const next = new Date(body.nextBillingDate);
    expect(start.getUTCDate()).toBe(5);
    expect((next.getUTCFullYear() - start.getUTCFullYear()) * 12 + next.getUTCMonth() - start.getUTCMonth()).toBe(3);
    // Anchored on the month the partner was created, which is now.
    expect((new Date().getUTCMonth() - start.getUTCMonth() + 12) % 3).toBe(0);
  });

  it("documents the billing, usage, receipt and ledger routes in the OpenAPI document", async () => {
    const res = await call("GET", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        "/partner/billing",
        "/partner/billing/usage",
        "/partner/billing/calculate",
        "/partner/usage",
        "/partner/analytics",
        "/partner/organizations/{organizationId}/receipts",
        "/partner/organizations/{organizationId}/ledger",
      ]),
    );
    const operator = await call("GET", "/api/v1/admin/openapi.json", {
      headers: { "x-admin-api-key": env.ADMIN_API_KEY },
    });
    expect(Object.keys(operator.body.paths)).toContain("/admin/partners/{partnerId}/credits/adjust");
    expect(res.body.components.schemas).toHaveProperty("Receipt");
    expect(res.body.components.schemas).toHaveProperty("LedgerEntry");
  });
});
