import {
  createExecutionContext,
  createScheduledController,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../worker/index";
import { eventTypeOf, type Received, receiverBucket } from "../fixtures/receiver";
import { newOrganization, tenantOfOrganization } from "./support/partners";
import { counterOf, dropAlarm, flushAll } from "./support/counter";
import { callWith, failingFirst } from "./support/env-faults";

async function runCron() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/15 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** The cron hands renewals to the JOBS queue: waits until the organization's period snapshot moved past now. */
async function renewed(organizationId: string) {
  await vi.waitFor(
    async () => {
      const row = await (
        await tenantOfOrganization(organizationId)
      ).DB.prepare("SELECT current_period_end FROM organization_periods WHERE organization_id = ?")
        .bind(organizationId)
        .first<{ current_period_end: string }>();
      expect(Date.parse(row!.current_period_end)).toBeGreaterThan(Date.now());
    },
    { timeout: 15_000, interval: 100 },
  );
}

const iso = (ms: number) => new Date(ms).toISOString().replace(".000", "");
const now = new Date();
/** Monthly periods on the 1st: the previous period and its middle. */
const previousStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
const thisStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
const nextStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
const lastMonth = previousStart + 14 * 24 * 3600_000;

const charges = (identities: (string | null)[], at: number) =>
  identities.map((identity) => ({ eventId: crypto.randomUUID(), identity, at }));

type PartnerApi = Awaited<ReturnType<typeof newOrganization>>["api"];

/**
 * A control for "a cron run changes nothing": another organization of the partner whose period is
 * over, so the next run has real work; once that is done, the run went past everything else too.
 */
async function endedOrganization(api: PartnerApi) {
  const created = await api("POST", "/organizations", {
    name: "Control",
    tier: "paid",
    initialCredits: 10,
    billingDayOfMonth: 1,
  });
  expect(created.status, created.text).toBe(201);
  const id = created.body.organization.id as string;
  const stub = await counterOf(id);
  await stub.charge(charges(["company:control"], lastMonth));
  await flushAll(stub);
  return { id, stub };
}

async function d1Entries(organizationId: string) {
  const { results } = await (
    await tenantOfOrganization(organizationId)
  ).DB.prepare(
    `SELECT kind, credits, strftime('%Y-%m-%dT%H:%M:%SZ', period_start, 'unixepoch') AS period_start, details
     FROM ledger_entries WHERE org = (SELECT key FROM organization_keys WHERE organization_id = ?) ORDER BY seq`,
  )
    .bind(organizationId)
    .all<{ kind: string; credits: number; period_start: string; details: string | null }>();
  return results;
}

describe("billing periods", () => {
  it(
    "closes an ended period from the cron: unused credits expire, the next starts from the trial cap, a second run changes nothing",
    { timeout: 30_000 },
    async () => {
      const { api, organization } = await newOrganization({ tier: "trial", initialCredits: 500, billingDayOfMonth: 1 });
      const stub = await counterOf(organization.id);
      // Three companies identified last month, delivered late enough that their period is over.
      const outcomes = await stub.charge(charges(["company:a", "company:b", "company:c"], lastMonth));
      expect(outcomes!.map((o) => o.reason)).toEqual(["charged", "charged", "charged"]);
      await flushAll(stub);
      const due = await (
        await tenantOfOrganization(organization.id)
      ).DB.prepare("SELECT current_period_end FROM organization_periods WHERE organization_id = ?")
        .bind(organization.id)
        .first<{ current_period_end: string }>();
      expect(due!.current_period_end).toBe(iso(thisStart));

      await runCron();
      await renewed(organization.id);
      const entries = await d1Entries(organization.id);
      const expired = entries.filter((e) => e.kind === "expired");
      expect(expired).toHaveLength(1);
      expect(expired[0]).toMatchObject({ credits: -497, period_start: iso(previousStart) });
      expect(JSON.parse(expired[0]!.details!)).toMatchObject({
        allocation: 500,
        consumed: 3,
        expired: 497,
        periodEnd: iso(thisStart),
      });
      const previous = entries.filter((e) => e.period_start === iso(previousStart));
      expect(previous.reduce((sum, e) => sum + e.credits, 0)).toBe(0);
      const snapshot = await (
        await tenantOfOrganization(organization.id)
      ).DB.prepare("SELECT * FROM organization_periods WHERE organization_id = ?")
        .bind(organization.id)
        .first<{ current_period_start: string; current_period_end: string; available: number }>();
      expect(snapshot).toMatchObject({
        current_period_start: iso(thisStart),
        current_period_end: iso(nextStart),
        available: 500,
      });

      const control = await endedOrganization(api);
      await runCron();
      await renewed(control.id);
      expect(await d1Entries(organization.id)).toEqual(entries);
      // No rollover: this period starts again from the allocation, still capped at 500 for a trial.
      const org = (await api("GET", `/organizations/${organization.id}`)).body.organization;
      expect(org).toMatchObject({
        credits: 500,
        creditsUsed: 0,
        creditsAvailable: 500,
        currentPeriodStart: iso(thisStart),
      });
      await dropAlarm(stub);
      await dropAlarm(control.stub);
    },
  );

  it("closes an ended period lazily, exactly once, on the next request when the timer was late", async () => {
    const { api, organization } = await newOrganization({ initialCredits: 10, billingDayOfMonth: 1 });
    const stub = await counterOf(organization.id);
    await stub.charge(charges(["company:late"], lastMonth));
    const expiredEntries = () =>
      runInDurableObject(stub, (_, state) =>
        state.storage.sql.exec<{ amount: number }>("SELECT amount FROM ledger WHERE kind = 'expired'").toArray(),
      );
    // The charge opened last month's period; the next request closes it before anything else.
    await api("GET", `/organizations/${organization.id}`);
    await stub.balance();
    await stub.charge(charges(["company:now"], Date.now()));
    expect(await expiredEntries()).toEqual([{ amount: -9 }]);
    expect(await stub.balance()).toMatchObject({ periodStart: thisStart, used: 1, available: 9 });
    await flushAll(stub);
    expect((await d1Entries(organization.id)).filter((e) => e.kind === "expired")).toHaveLength(1);
    await dropAlarm(stub);
  });

  it("decides a hit that reaches a closed period late as no_credit, while already-charged companies stay free", async () => {
    const { organization } = await newOrganization({ initialCredits: 10, billingDayOfMonth: 1 });
    const stub = await counterOf(organization.id);
    await stub.charge(charges(["company:early"], lastMonth));
    await stub.balance(); // closes last month
    const late = await stub.charge(charges(["company:early", "company:newcomer", null], lastMonth + 1000));
    expect(late!.map((o) => o.reason)).toEqual(["already_charged_this_period", "no_credit", "not_identified"]);
    expect(await stub.balance(lastMonth)).toMatchObject({ used: 1, available: 0 });
    await flushAll(stub);
    await dropAlarm(stub);
  });

  it("never expires credits of an uncapped usage_based organization and counts its usage per period", async () => {
    const { organization } = await newOrganization(
      { initialCredits: 0, billingDayOfMonth: 1 },
      { billingMode: "usage_based", uncappedUsage: true },
    );
    const stub = await counterOf(organization.id);
    const outcomes = await stub.charge(charges(["company:x", "company:y"], lastMonth));
    expect(outcomes!.map((o) => [o.reason, o.allocation])).toEqual([
      ["charged", null],
      ["charged", null],
    ]);
    await stub.balance();
    await flushAll(stub);
    const expired = (await d1Entries(organization.id)).filter((e) => e.kind === "expired");
    expect(expired).toHaveLength(1);
    expect(expired[0]!.credits).toBe(0);
    expect(JSON.parse(expired[0]!.details!)).toMatchObject({ consumed: 2, expired: 0 });
    await dropAlarm(stub);
  });

  it("applies a changed billing day at the end of the running period, then a period at least a month long", async () => {
    const { api, organization } = await newOrganization({ initialCredits: 10, billingDayOfMonth: 1 });
    const stub = await counterOf(organization.id);
    const changed = await api("PUT", `/organizations/${organization.id}`, { billingDayOfMonth: 15 });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.organization).toMatchObject({
      billingDayOfMonth: 15,
      billingChangeEffectiveAt: iso(nextStart),
      currentPeriodStart: iso(thisStart),
      currentPeriodEnd: iso(nextStart),
    });
    // The running period keeps its end; the next one runs to the first 15th at least a month later.
    expect(await stub.balance()).toMatchObject({ periodStart: thisStart, periodEnd: nextStart });
    const day = 24 * 3600_000;
    const fifteenth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 15);
    expect(await stub.balance(nextStart + day)).toMatchObject({ periodStart: nextStart, periodEnd: fifteenth });
    const after = await stub.balance(fifteenth + day);
    expect(after!.periodStart).toBe(fifteenth);
    expect(new Date(after!.periodEnd).getUTCDate()).toBe(15);
    await flushAll(stub);
    await dropAlarm(stub);
  });

  it("applies a billing change whose first attempt failed when the partner sends it again", async () => {
    const { api, key, organization } = await newOrganization({ initialCredits: 10, billingDayOfMonth: 1 });
    const path = `/organizations/${organization.id}`;
    const failed = await callWith({ CREDITS: failingFirst(env.CREDITS, "configure") }, key, "PUT", path, {
      billingDayOfMonth: 15,
    });
    expect(failed.status).toBe(500);

    const retried = await api("PUT", path, { billingDayOfMonth: 15 });
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.organization).toMatchObject({ billingChangeEffectiveAt: iso(nextStart) });
    const stub = await counterOf(organization.id);
    const day = 24 * 3600_000;
    const fifteenth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 15);
    expect(await stub.balance(nextStart + day)).toMatchObject({ periodStart: nextStart, periodEnd: fifteenth });
    await flushAll(stub);
    await dropAlarm(stub);
  });

  it("H1 variant A: moving the billing day every day never opens a short period with a fresh allocation", async () => {
    const { api, organization } = await newOrganization({ initialCredits: 2, billingDayOfMonth: 1 });
    const stub = await counterOf(organization.id);
    const day = 24 * 3600_000;
    const move = async (billingDayOfMonth: number) =>
      expect((await api("PUT", `/organizations/${organization.id}`, { billingDayOfMonth })).status).toBe(200);
    await move(2);
    const first = await stub.charge(charges(["company:d1-a", "company:d1-b", "company:d1-c"], nextStart + 3600_000));
    await move(3);
    const second = await stub.charge(
      charges(["company:d2-a", "company:d2-b", "company:d2-c"], nextStart + day + 3600_000),
    );
    expect([...first!, ...second!].filter((o) => o.reason === "charged")).toHaveLength(2);
    // Both days fall in one period, at least a month long, that started from one allocation.
    expect(second![0]!.periodStart).toBe(first![0]!.periodStart);
    const period = await stub.balance(nextStart + day);
    expect(period).toMatchObject({ periodStart: nextStart, allocation: 2, used: 2 });
    expect(period!.periodEnd).toBeGreaterThanOrEqual(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 2, 1));
    await flushAll(stub);
    await dropAlarm(stub);
  });

  it(
    "sends period.closed to the partner's billing webhook once, with what was consumed and what expired",
    { timeout: 30_000 },
    async () => {
      const { api, organization } = await newOrganization({
        initialCredits: 20,
        billingDayOfMonth: 1,
        externalId: "acme",
      });
      const receiver = receiverBucket();
      expect((await api("PUT", "/webhooks/billing", { url: receiver.url("ok") })).status).toBe(200);
      const stub = await counterOf(organization.id);
      await stub.charge(charges(["company:a", "company:b"], lastMonth));
      await flushAll(stub);
      await runCron();
      await runCron();
      const [received] = await receiver.waitFor(1, (r) => eventTypeOf(r) === "period.closed");
      expect(JSON.parse(received!.body)).toMatchObject({
        type: "period.closed",
        organizationId: organization.id,
        externalId: "acme",
        periodStart: iso(previousStart),
        periodEnd: iso(thisStart),
        allocation: 20,
        consumed: 2,
        expired: 18,
      });
      const control = await endedOrganization(api);
      await runCron();
      const closedOf = (id: string) => (r: Received) =>
        eventTypeOf(r) === "period.closed" && JSON.parse(r.body).organizationId === id;
      await receiver.waitFor(1, closedOf(control.id));
      expect((await receiver.received()).filter(closedOf(organization.id))).toHaveLength(1);
      await dropAlarm(stub);
      await dropAlarm(control.stub);
    },
  );
});
