import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { CreditCounter } from "../../worker/credits/counter";
import { admin, call, expectEnvelope } from "./support/api";
import { newOrganization, tenantOf, tenantOfOrganization } from "./support/partners";
import { counterOf, dropAlarm, flushAll, outboxSize, type Stub } from "./support/counter";

/** The organization's key in `ledger_entries` (bind: its id). */
const ORG = "(SELECT key FROM organization_keys WHERE organization_id = ?)";

async function mirrored(organizationId: string) {
  const { results } = await (
    await tenantOfOrganization(organizationId)
  ).DB.prepare(
    `SELECT seq, kind, credits, balance_after, period_start, event_id FROM ledger_entries WHERE org = ${ORG} ORDER BY seq`,
  )
    .bind(organizationId)
    .all<{
      seq: number;
      kind: string;
      credits: number;
      balance_after: number;
      period_start: number;
      event_id: string | null;
    }>();
  return results;
}

/**
 * The real D1 binding, with the next `batch()` calls failing: "before" throws without writing,
 * "after" throws once D1 committed (as if the answer was lost). Then it is the real binding again.
 */
function failingBatches(db: D1Database, faults: ("before" | "after")[]): D1Database {
  return new Proxy(db, {
    get(target, key) {
      if (key === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          const fault = faults.shift();
          if (fault === "before") throw new Error("D1 failed before the write");
          const results = await target.batch(statements);
          if (fault === "after") throw new Error("D1 committed, the answer was lost");
          return results;
        };
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function counterLedger(stub: Stub) {
  return runInDurableObject(stub, (_, state) =>
    state.storage.sql
      .exec<{ id: number; kind: string; amount: number }>("SELECT id, kind, amount FROM ledger ORDER BY id")
      .toArray(),
  );
}

/** allocation − debits + refunds/adjustments, and the plain sum, of a period's entries in D1. */
async function d1Totals(organizationId: string, periodStart: number) {
  return (await tenantOfOrganization(organizationId)).DB.prepare(
    `SELECT sum(CASE WHEN kind IN ('period_opened', 'allocation_set') THEN credits ELSE 0 END) AS allocation,
       sum(CASE WHEN kind = 'debit' THEN -credits ELSE 0 END) AS debits,
       sum(CASE WHEN kind IN ('refund', 'adjustment') THEN credits ELSE 0 END) AS adjustments,
       sum(CASE WHEN kind = 'expired' THEN -credits ELSE 0 END) AS expired,
       sum(credits) AS balance, count(*) AS entries
     FROM ledger_entries WHERE org = ${ORG} AND period_start = ?`,
  )
    .bind(organizationId, periodStart)
    .first<{
      allocation: number;
      debits: number;
      adjustments: number;
      expired: number;
      balance: number;
      entries: number;
    }>();
}

describe("credit ledger", () => {
  it("mirrors every credit movement to D1 exactly once, even when D1 fails during the flush", async () => {
    const { api, organization } = await newOrganization({ initialCredits: 10 });
    const stub = await counterOf(organization.id);
    await flushAll(stub);
    const before = await mirrored(organization.id);
    expect(before.map((e) => e.kind)).toEqual(["period_opened"]);

    // Two flushes fail before D1 is written, a third after D1 committed (the answer is lost).
    await runInDurableObject(stub, (instance: CreditCounter) => {
      instance.outbox.db = failingBatches(instance.outbox.db, ["before", "before", "after"]);
    });
    const at = Date.now();
    const outcomes = await stub.charge(
      Array.from({ length: 5 }, (_, i) => ({ eventId: crypto.randomUUID(), identity: `company:flush-${i}`, at })),
    );
    expect(outcomes!.map((o) => o.reason)).toEqual(Array(5).fill("charged"));
    await api("PUT", `/organizations/${organization.id}/credits`, { credits: 12, notes: "more" });

    for (const failure of [1, 2]) {
      await runDurableObjectAlarm(stub);
      expect(await mirrored(organization.id)).toHaveLength(1);
      expect(await outboxSize(stub)).toBe(6);
      // The next attempt backs off exponentially instead of hammering D1.
      const alarm = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
      expect(alarm! - Date.now()).toBeGreaterThan(1000 * 2 ** failure - 500);
    }
    await runDurableObjectAlarm(stub); // D1 commits, the acknowledgement is lost
    expect(await mirrored(organization.id)).toHaveLength(7);
    expect(await outboxSize(stub)).toBe(6);
    await runDurableObjectAlarm(stub); // replays the same entries: ignored by (organization, seq)
    expect(await outboxSize(stub)).toBe(0);

    // D1 holds every entry once, in seq order; the counter forgot what D1 has.
    const entries = await mirrored(organization.id);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(await counterLedger(stub)).toEqual([]);
    expect(entries.map((e) => e.kind)).toEqual(["period_opened", ...Array(5).fill("debit"), "allocation_set"]);
    expect(entries.at(-1)).toMatchObject({ credits: 2, balance_after: 7 });
    await dropAlarm(stub);
  });

  it("keeps allocation − debits + refunds and adjustments equal to the counter, the API and D1 after 10,000 concurrent identifications", async () => {
    const { api, partner, organization } = await newOrganization({ initialCredits: 5000 });
    const stub = await counterOf(organization.id);
    const at = Date.now();
    // 7,000 companies, some visiting several times, and some visitors nobody could identify.
    const requests = Array.from({ length: 10_000 }, (_, i) => ({
      eventId: crypto.randomUUID(),
      identity: i % 50 === 49 ? null : `company:c${i % 7000}`,
      at,
    }));
    const batches = Array.from({ length: 100 }, (_, b) => requests.slice(b * 100, b * 100 + 100));
    const outcomes = (await Promise.all(batches.map((batch) => stub.charge(batch)))).flatMap((o) => o!);
    const count = (reason: string) => outcomes.filter((o) => o.reason === reason).length;
    expect(count("charged")).toBe(5000);
    expect(count("not_identified")).toBe(200);
    expect(count("charged") + count("no_credit") + count("already_charged_this_period") + count("not_identified")).toBe(
      10_000,
    );

    // The operator corrects the balance with new entries: a goodwill adjustment and a refund.
    const adjusted = await admin("POST", `/partners/${partner.id}/credits/adjust`, {
      organizationId: organization.id,
      credits: 7,
      reason: "goodwill",
    });
    expect(adjusted.status, adjusted.text).toBe(200);
    const refundedEvent = outcomes.find((o) => o.reason === "charged")!.eventId;
    const refunded = await admin("POST", `/partners/${partner.id}/credits/adjust`, {
      organizationId: organization.id,
      refundEventId: refundedEvent,
      reason: "test traffic",
    });
    expect(refunded.status, refunded.text).toBe(200);
    expect(refunded.body.entry).toMatchObject({ kind: "refund", credits: 1, eventId: refundedEvent });
    await flushAll(stub);

    const balance = (await stub.balance())!;
    expect(balance).toMatchObject({ allocation: 5000, used: 5000, adjusted: 8, available: 8 });
    const shown = (await api("GET", `/organizations/${organization.id}`)).body.organization;
    expect(shown).toMatchObject({ credits: 5000, creditsUsed: 5000, creditsAvailable: 8 });
    const totals = (await d1Totals(organization.id, balance.periodStart / 1000))!;
    expect(totals).toMatchObject({ allocation: 5000, debits: 5000, adjustments: 8, expired: 0 });
    expect(totals.allocation - totals.debits + totals.adjustments).toBe(balance.available);
    expect(totals.balance).toBe(balance.available);
    const ledger = await api("GET", `/organizations/${organization.id}/ledger?pageSize=1`);
    expect(ledger.body).toMatchObject({ total: totals.entries, page: 1, pageSize: 1 });
    expect(ledger.body.entries[0]).toMatchObject({ kind: "refund", balanceAfter: 8 });
    await dropAlarm(stub);
  }, 60_000);

  it("refuses an adjustment below zero, a second refund and a refund of an uncharged attempt", async () => {
    const { partner, organization } = await newOrganization({ initialCredits: 2 });
    const stub = await counterOf(organization.id);
    const [charged, free] = (await stub.charge([
      { eventId: crypto.randomUUID(), identity: "company:a", at: Date.now() },
      { eventId: crypto.randomUUID(), identity: null, at: Date.now() },
    ]))!;
    const adjust = (body: Record<string, unknown>) =>
      admin("POST", `/partners/${partner.id}/credits/adjust`, {
        organizationId: organization.id,
        reason: "test",
        ...body,
      });
    const below = await adjust({ credits: -2 });
    expect(below.status).toBe(422);
    expect(below.body).toMatchObject({ code: "UnprocessableEntity", details: { available: 1 } });
    expect((await adjust({ credits: -1 })).body.balance).toMatchObject({ available: 0, adjusted: -1 });
    expect((await adjust({ refundEventId: charged!.eventId })).status).toBe(200);
    expect((await adjust({ refundEventId: charged!.eventId })).body.code).toBe("UnprocessableEntity");
    expect((await adjust({ refundEventId: free!.eventId })).status).toBe(422);
    const invalid = await adjust({ credits: 3, refundEventId: charged!.eventId });
    expect(invalid.status).toBe(400);
    const foreign = await admin("POST", `/partners/${partner.id}/credits/adjust`, {
      organizationId: "org_unknown",
      credits: 1,
      reason: "x",
    });
    expect(foreign.status).toBe(404);
    await flushAll(stub);
    await dropAlarm(stub);
  });

  it("books an operator adjustment once per Idempotency-Key: a retry answers the first entry", async () => {
    const { partner, organization } = await newOrganization({ initialCredits: 10 });
    const adjust = (key: string, body: Record<string, unknown>) =>
      call("POST", `/api/v1/admin/partners/${partner.id}/credits/adjust`, {
        body,
        headers: { "x-admin-api-key": env.ADMIN_API_KEY, "idempotency-key": key },
      });
    const body = { organizationId: organization.id, credits: 5, reason: "goodwill" };
    const first = await adjust("adjustment-1", body);
    expect(first.status, first.text).toBe(200);
    const retry = await adjust("adjustment-1", body);
    expect(retry.status).toBe(200);
    expect(retry.body.entry).toEqual(first.body.entry);
    expect(retry.body.balance).toMatchObject({ adjusted: 5, available: 15 });
    expectEnvelope(await adjust("adjustment-1", { ...body, credits: 6 }), 409, "Conflict");
    expect((await adjust("adjustment-2", body)).body.balance).toMatchObject({ adjusted: 10, available: 20 });

    const stub = await counterOf(organization.id);
    await flushAll(stub);
    expect((await mirrored(organization.id)).filter((e) => e.kind === "adjustment")).toHaveLength(2);
    await dropAlarm(stub);
  });

  it("forgets an Idempotency-Key 30 days after the adjustment it booked: the same key then books anew", async () => {
    const { partner, organization } = await newOrganization({ initialCredits: 10 });
    const adjust = (key: string) =>
      call("POST", `/api/v1/admin/partners/${partner.id}/credits/adjust`, {
        body: { organizationId: organization.id, credits: 5, reason: "goodwill" },
        headers: { "x-admin-api-key": env.ADMIN_API_KEY, "idempotency-key": key },
      });
    const [old, recent] = [`old-${crypto.randomUUID()}`, `recent-${crypto.randomUUID()}`];
    const first = await adjust(old);
    expect(first.status, first.text).toBe(200);
    const kept = await adjust(recent);
    const stub = await counterOf(organization.id);
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    await runInDurableObject(stub, async (_, state) => {
      const backdate = "UPDATE adjustments SET entry = json_set(entry, '$.createdAt', ?) WHERE key = ?";
      state.storage.sql.exec(backdate, daysAgo(31), old);
      state.storage.sql.exec(backdate, daysAgo(29), recent);
      await state.storage.setAlarm(Date.now());
    });
    await runDurableObjectAlarm(stub);
    const again = await adjust(old);
    expect(again.status, again.text).toBe(200);
    expect(again.body.entry.id).not.toBe(first.body.entry.id);
    expect(again.body.balance).toMatchObject({ adjusted: 15 });
    const retried = await adjust(recent);
    expect(retried.body.entry.id).toBe(kept.body.entry.id);
    expect(retried.body.balance).toMatchObject({ adjusted: 15 });
    await flushAll(stub);
    await dropAlarm(stub);
  });

  it("takes an organization's settings from D1 when its counter never had them, even when the first calls race", async () => {
    const { partner } = await newOrganization();
    const id = `org_restored_${crypto.randomUUID().replace(/-/g, "")}`;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    await (
      await tenantOf(partner.id)
    ).DB.prepare(
      `INSERT INTO organizations (id, partner_id, name, tier, billing_period, billing_day_of_month, credits, created_at, updated_at)
       VALUES (?, ?, 'Restored', 'paid', 'monthly', 1, 3, ?, ?)`,
    )
      .bind(id, partner.id, now, now)
      .run();
    const stub = await counterOf(id);
    const at = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        stub.charge([{ eventId: crypto.randomUUID(), identity: `company:r${i}`, at }]),
      ),
    );
    expect(outcomes.flat().filter((o) => o.reason === "charged")).toHaveLength(3);
    expect(await stub.balance()).toMatchObject({ allocation: 3, used: 3, available: 0 });
    await flushAll(stub);
    const opened = (await mirrored(id)).filter((entry) => entry.kind === "period_opened");
    expect(opened).toEqual([expect.objectContaining({ credits: 3 })]);
    await dropAlarm(stub);
  });

  it("refuses to charge for an organization that does not exist", async () => {
    const stub = await counterOf(`org_missing_${crypto.randomUUID()}`);
    const refused = await stub.charge([{ eventId: crypto.randomUUID(), identity: "company:x", at: Date.now() }]).then(
      () => null,
      (error: unknown) => error,
    );
    expect(String(refused)).toMatch(/organization not found/);
  });

  it("mirrors a debit to D1 by itself within seconds, without any further request", async () => {
    const { organization } = await newOrganization({ initialCredits: 3 });
    const stub = await counterOf(organization.id);
    const [outcome] = (await stub.charge([
      { eventId: crypto.randomUUID(), identity: "company:self", at: Date.now() },
    ]))!;
    expect(outcome!.reason).toBe("charged");
    await vi.waitFor(
      async () => expect((await mirrored(organization.id)).map((e) => e.kind)).toEqual(["period_opened", "debit"]),
      { timeout: 10_000, interval: 200 },
    );
    expect(await outboxSize(stub)).toBe(0);
    // The next alarm only forgets old event ids, a day later.
    const alarm = await runInDurableObject(stub, (_, state) => state.storage.getAlarm());
    expect(alarm! - Date.now()).toBeGreaterThan(23 * 3600_000);
    await dropAlarm(stub);
  });
});
