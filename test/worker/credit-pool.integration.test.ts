import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { admin, asPartner, expectEnvelope } from "./support/api";
import { newOrganization, newPartner, tenantOfOrganization } from "./support/partners";
import { counterOf, flushCounter } from "./support/counter";
import { callWith, delayingFirst, delayStarted } from "./support/env-faults";

const charges = (count: number, prefix: string, at: number) =>
  Array.from({ length: count }, (_, i) => ({ eventId: crypto.randomUUID(), identity: `company:${prefix}-${i}`, at }));
const reasons = (outcomes: { reason: string }[]) =>
  outcomes.reduce<Record<string, number>>((n, o) => ({ ...n, [o.reason]: (n[o.reason] ?? 0) + 1 }), {});

async function d1Credits(organizationId: string) {
  const row = await (
    await tenantOfOrganization(organizationId)
  ).DB.prepare("SELECT credits FROM organizations WHERE id = ?")
    .bind(organizationId)
    .first<{ credits: number }>();
  return row!;
}

describe("the partner's credit pool", () => {
  it("H2: racing allocation changes end with one allocation in D1 and the counter, and the pool is never oversubscribed", async () => {
    const { key, api, organization } = await newOrganization({ initialCredits: 0 }, { creditPoolTotal: 1000 });
    const path = `/organizations/${organization.id}/credits`;
    // The first request (1000) is held up on its way to whichever object stores allocations; the second (0) overtakes it.
    const slow = {
      POOLS: delayingFirst(env.POOLS, "setAllocation", 400),
      CREDITS: delayingFirst(env.CREDITS, "setAllocation", 400),
    };
    const first = callWith(slow, key, "PUT", path, { credits: 1000 });
    await delayStarted(slow.POOLS, slow.CREDITS);
    const second = await callWith(slow, key, "PUT", path, { credits: 0 });
    expect([(await first).status, second.status]).toEqual([200, 200]);

    const counter = await (await counterOf(organization.id)).balance();
    const { credits } = await d1Credits(organization.id);
    expect(counter.allocation).toBe(credits);
    expect((await api("GET", `/organizations/${organization.id}`)).body.organization).toMatchObject({
      credits,
      creditsAvailable: counter.available,
    });
    // Whatever the order, the pool counts exactly what the organization holds.
    const other = await api("POST", "/organizations", { name: "y", tier: "paid", initialCredits: 1000 });
    if (credits === 0) expect(other.status).toBe(201);
    else {
      expectEnvelope(other, 422, "InsufficientCredits");
      expect(other.body.details).toEqual({ requested: 1000, available: 0 });
    }

    // The same race without injected delays, many times: D1 and the counter always agree.
    for (let round = 0; round < 10; round++) {
      await Promise.all([api("PUT", path, { credits: 600 }), api("PUT", path, { credits: 0 })]);
      const [balance, row] = [await (await counterOf(organization.id)).balance(), await d1Credits(organization.id)];
      expect(balance.allocation).toBe(row.credits);
    }
  });

  it("L1: an allocation racing a move to trial never leaves a trial organization above 500 credits", async () => {
    const { key, api, organization } = await newOrganization({ tier: "paid", initialCredits: 100 });
    const slow = {
      POOLS: delayingFirst(env.POOLS, "setAllocation", 400),
      CREDITS: delayingFirst(env.CREDITS, "balance", 400),
    };
    const raise = callWith(slow, key, "PUT", `/organizations/${organization.id}/credits`, { credits: 5000 });
    await delayStarted(slow.POOLS, slow.CREDITS);
    const trial = await callWith({}, key, "PUT", `/organizations/${organization.id}/tier`, { tier: "trial" });
    const raised = await raise;
    const org = (await api("GET", `/organizations/${organization.id}`)).body.organization;
    if (org.tier === "trial") expect(org.credits).toBeLessThanOrEqual(500);
    expect(trial.status).toBe(200);
    expectEnvelope(raised, 422, "TrialCreditLimit");
    expect(org).toMatchObject({ tier: "trial", credits: 100 });
    expect((await (await counterOf(organization.id)).balance()).allocation).toBe(100);
  });

  it("H1 variant B: a partner's organizations never consume more than the pool in one partner period, however the pool moves between staggered periods", async () => {
    const { partner, api } = await newPartner({
      creditPoolTotal: 100,
      billingPeriod: "annually",
      billingDayOfMonth: 1,
    });
    // The partner's year started on the 1st of last month (it was created then).
    const now = new Date();
    const lastMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15);
    await env.CATALOG.prepare("UPDATE partners SET created_at = ? WHERE id = ?")
      .bind(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 3)).toISOString(), partner.id)
      .run();
    const a = (
      await api("POST", "/organizations", { name: "A", tier: "paid", initialCredits: 100, billingDayOfMonth: 1 })
    ).body.organization;
    // A spends its 100 in its period of last month.
    expect(reasons(await (await counterOf(a.id)).charge(charges(100, "a", lastMonth)))).toEqual({ charged: 100 });
    // Its counter reports what it used to the pool on its alarm, a second later.
    await flushCounter(a.id);
    // A's new period started unused, so its allocation may move to B ...
    expect((await api("PUT", `/organizations/${a.id}/credits`, { credits: 0 })).status).toBe(200);
    const created = await api("POST", "/organizations", { name: "B", tier: "paid", initialCredits: 100 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // ... but the partner's year already consumed its pool: B is never charged.
    expect(
      reasons(await (await counterOf(created.body.organization.id)).charge(charges(100, "b", Date.now()))),
    ).toEqual({
      no_credit: 100,
    });
    // A new partner year would bring a new budget: B could then spend again (a window of its own).
    const nextYear = Date.UTC(now.getUTCFullYear() + 1, now.getUTCMonth() - 1, 2);
    expect(
      reasons(await (await counterOf(created.body.organization.id)).charge(charges(3, "b-next", nextYear))),
    ).toEqual({
      charged: 3,
    });
  });

  it("M3: a usage_based organization left at allocation 0 is capped at maxIdentificationsPerOrg", async () => {
    const { api } = await newPartner({ billingMode: "usage_based", maxIdentificationsPerOrg: 5 });
    const above = await api("POST", "/organizations", { name: "a", tier: "paid", initialCredits: 6 });
    expectEnvelope(above, 422, "UnprocessableEntity");
    const created = await api("POST", "/organizations", { name: "b", tier: "paid" });
    expect(created.status).toBe(201);
    expect(created.body.organization).toMatchObject({ credits: 0, creditsAvailable: 5 });
    const outcomes = await (await counterOf(created.body.organization.id)).charge(charges(20, "m3", Date.now()));
    expect(reasons(outcomes)).toEqual({ charged: 5, no_credit: 15 });
  });

  it("M3: without a maximum, allocation 0 charges nothing unless the operator allowed uncapped usage", async () => {
    const capped = await newOrganization({ initialCredits: 0 }, { billingMode: "usage_based" });
    expect(reasons(await (await counterOf(capped.organization.id)).charge(charges(3, "none", Date.now())))).toEqual({
      no_credit: 3,
    });
    const open = await newOrganization({ initialCredits: 0 }, { billingMode: "usage_based", uncappedUsage: true });
    const outcomes = await (await counterOf(open.organization.id)).charge(charges(3, "open", Date.now()));
    expect(outcomes.map((o) => [o.reason, o.allocation])).toEqual(Array(3).fill(["charged", null]));
  });

  it("M3: a lower maxIdentificationsPerOrg applies to existing organizations too", { timeout: 30_000 }, async () => {
    const { partner, organization } = await newOrganization({ initialCredits: 10 }, { billingMode: "usage_based" });
    expect((await admin("PUT", `/partners/${partner.id}`, { maxIdentificationsPerOrg: 4 })).status).toBe(200);
    await vi.waitFor(
      async () => expect(await (await counterOf(organization.id)).balance()).toMatchObject({ allocation: 4 }),
      {
        timeout: 15_000,
        interval: 100,
      },
    );
    expect(reasons(await (await counterOf(organization.id)).charge(charges(6, "lower", Date.now())))).toEqual({
      charged: 4,
      no_credit: 2,
    });
  });

  it("L2: parallel creations never exceed maxOrganizations", async () => {
    const { api } = await newPartner({ maxOrganizations: 2 });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => api("POST", "/organizations", { name: `race ${i}` })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    for (const r of results.filter((r) => r.status !== 201)) expectEnvelope(r, 422, "UnprocessableEntity");
    expect((await api("GET", "/organizations")).body.total).toBe(2);
  });

  it("L2: re-enabling a canceled organization counts toward maxOrganizations", async () => {
    const { api } = await newPartner({ maxOrganizations: 1 });
    const first = (await api("POST", "/organizations", { name: "1" })).body.organization;
    expect((await api("DELETE", `/organizations/${first.id}`)).status).toBe(204);
    expect((await api("POST", "/organizations", { name: "2" })).status).toBe(201);
    const again = await api("PUT", `/organizations/${first.id}/status`, { enabled: true });
    expectEnvelope(again, 422, "UnprocessableEntity");
    expect((await api("GET", `/organizations/${first.id}`)).body.organization.status).toBe("canceled");
  });

  it("L10: setting an allocation or a billing schedule, or creating with credits, needs the admin scope", async () => {
    const { api, organization } = await newOrganization();
    const issued = await api("POST", "/api-keys", { name: "integration", scopes: ["write"] });
    const writer = asPartner(issued.body.plainKey);
    const path = `/organizations/${organization.id}`;
    expectEnvelope(await writer("PUT", `${path}/credits`, { credits: 5 }), 403, "Forbidden");
    expectEnvelope(await writer("PUT", path, { billingDayOfMonth: 2 }), 403, "Forbidden");
    expect(
      (await writer("PUT", path, { name: "Renamed", billingDayOfMonth: organization.billingDayOfMonth })).status,
    ).toBe(200);
    expect((await api("GET", path)).body.organization).toMatchObject({ credits: 100, name: "Renamed" });
    expect((await api("PUT", `${path}/credits`, { credits: 5 })).status).toBe(200);
    expectEnvelope(await writer("POST", "/organizations", { name: "Funded", initialCredits: 5 }), 403, "Forbidden");
    expect((await writer("POST", "/organizations", { name: "Unfunded" })).status).toBe(201);
  });
});
