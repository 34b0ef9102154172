import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { expectEnvelope } from "./support/api";
import { importCompany, newPartner } from "./support/partners";
import { accepted, deliver, freshIp } from "./support/hits";
import { receipts } from "./support/receipts";
import { counterOf, flushCounter, type Stub } from "./support/counter";
import { callWith, installFaults } from "./support/env-faults";

/** The partner's budget in the window of now, as its pool counts it: credits leased out and not given back. */
async function leasedOut(partnerId: string) {
  return (await env.POOLS.get(env.POOLS.idFromName(partnerId)).budget()).consumed;
}

const charges = (count: number, prefix: string, at: number) =>
  Array.from({ length: count }, (_, i) => ({ eventId: crypto.randomUUID(), identity: `company:${prefix}-${i}`, at }));
const reasons = (outcomes: { reason: string }[]) =>
  outcomes.reduce<Record<string, number>>((n, o) => ({ ...n, [o.reason]: (n[o.reason] ?? 0) + 1 }), {});

/** The counter's alarm, normally a second after its charges, is pushed an hour away (run it with runDurableObjectAlarm). */
const postponeAlarm = (stub: Stub) =>
  runInDurableObject(stub, (_, state) => state.storage.setAlarm(Date.now() + 3600_000));

/** Answers the counter remembers for a replay (`no_credit`, `disabled`), by event id. */
const remembered = (stub: Stub) =>
  runInDurableObject(stub, (_, state) =>
    state.storage.sql.exec<{ event_id: string; reason: string }>("SELECT event_id, reason FROM events").toArray(),
  );

/** A partner whose annual budget window started on the 1st of last month, and two organizations of it. */
async function partnerInItsSecondMonth(creditPoolTotal: number, allocations: [number, number]) {
  const p = await newPartner({ creditPoolTotal, billingPeriod: "annually", billingDayOfMonth: 1 });
  const now = new Date();
  await env.CATALOG.prepare("UPDATE partners SET created_at = ? WHERE id = ?")
    .bind(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 3)).toISOString(), p.partner.id)
    .run();
  const created = [];
  for (const credits of allocations) {
    const res = await p.api("POST", "/organizations", {
      name: `Client ${created.length}`,
      tier: "paid",
      initialCredits: credits,
      billingDayOfMonth: 1,
    });
    expect(res.status, res.text).toBe(201);
    const pixel = await p.api("GET", `/organizations/${res.body.organization.id}/pixel`);
    created.push({ id: res.body.organization.id as string, pixelKey: pixel.body.pixel.apiKey as string });
  }
  const lastMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15);
  return { ...p, a: created[0]!, b: created[1]!, lastMonth };
}

let restore: (() => void) | null = null;
afterEach(() => {
  restore?.();
  restore = null;
});

describe("the partner's budget and the leases of its organizations", () => {
  it("N4: a burst of one organization leases no more than its own period can spend, so a sibling's hit and its redelivery are charged", async () => {
    const { partner, api } = await newPartner({ creditPoolTotal: 30 });
    const create = (name: string) => api("POST", "/organizations", { name, tier: "paid", initialCredits: 15 });
    const [a, b] = [(await create("A")).body.organization, (await create("B")).body.organization];
    const now = Date.now();
    // A charges 5 hits a millisecond apart: no lease covers them yet.
    const burst = charges(5, "a", now).map((c, i) => ({ ...c, at: now + i }));
    expect(reasons(await (await counterOf(a.id)).charge(burst))).toEqual({ charged: 5 });
    expect(await leasedOut(partner.id)).toBeLessThanOrEqual(15);

    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const pixelKey = (await api("GET", `/organizations/${b.id}/pixel`)).body.pixel.apiKey;
    const hit = accepted(b.id, partner, pixelKey, ip, Date.now());
    expect((await deliver([hit])).explicitAcks).toEqual([`m-${hit.hit.i}`]);
    await deliver([hit], { attempts: 2 });
    expect((await receipts(b.id)).map((r) => r.reason)).toEqual(["charged"]);
    expect((await api("GET", `/organizations/${b.id}`)).body.organization).toMatchObject({ creditsUsed: 1 });
  });

  it("N4: a hit refused only because siblings hold leased credits is not remembered: the consumer retries it, and it is charged once they gave them back", async () => {
    const { partner, a, b, lastMonth } = await partnerInItsSecondMonth(20, [10, 10]);
    const counterA = await counterOf(a.id);
    // A spent its 10 in its period of last month: 10 of the partner's 20 are left this year.
    expect(reasons(await counterA.charge(charges(10, "last", lastMonth)))).toEqual({ charged: 10 });
    await flushCounter(a.id);
    // A's first hit this month leases the rest: 1, and 9 of headroom its period can spend.
    expect(reasons(await counterA.charge(charges(1, "now", Date.now())))).toEqual({ charged: 1 });
    expect(await leasedOut(partner.id)).toBe(20);
    await postponeAlarm(counterA);

    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const hit = accepted(b.id, partner, b.pixelKey, ip, Date.now());
    const first = await deliver([hit]);
    expect(first.retryMessages.map((m) => m.msgId)).toEqual([`m-${hit.hit.i}`]);
    expect(await receipts(b.id)).toEqual([]);
    expect(await remembered(await counterOf(b.id))).toEqual([]);

    // A's alarm gives its 9 unused credits back; the retry is charged.
    await runDurableObjectAlarm(counterA);
    expect(await leasedOut(partner.id)).toBe(11);
    const retried = await deliver([hit], { attempts: 2 });
    expect(retried.explicitAcks).toEqual([`m-${hit.hit.i}`]);
    expect((await receipts(b.id)).map((r) => r.reason)).toEqual(["charged"]);
  });

  it("gives the last credits of a partner's window to whichever organization asks: once the window ran short, leases carry no headroom", async () => {
    const { partner, a, b, lastMonth } = await partnerInItsSecondMonth(20, [10, 10]);
    const [counterA, counterB] = [await counterOf(a.id), await counterOf(b.id)];
    expect(reasons(await counterA.charge(charges(10, "last", lastMonth)))).toEqual({ charged: 10 });
    await flushCounter(a.id);
    expect(reasons(await counterA.charge(charges(1, "first", Date.now())))).toEqual({ charged: 1 });
    await postponeAlarm(counterA);
    // B asks while A holds the rest: not decided, nothing remembered.
    const asked = charges(3, "b", Date.now());
    expect(reasons(await counterB.charge(asked))).toEqual({ budget_busy: 3 });
    await runDurableObjectAlarm(counterA);
    // A keeps charging, but no longer leases beyond its hits: B's credits stay B's.
    expect(reasons(await counterA.charge(charges(2, "second", Date.now())))).toEqual({ charged: 2 });
    expect(await leasedOut(partner.id)).toBe(13);
    expect(reasons(await counterB.charge(asked))).toEqual({ charged: 3 });
    await runDurableObjectAlarm(counterA);
    await runDurableObjectAlarm(counterB);
    // Each organization has spent what its period allows or the window had: the rest is refused for good.
    expect(reasons(await counterA.charge(charges(8, "third", Date.now())))).toEqual({ charged: 4, no_credit: 4 });
    await runDurableObjectAlarm(counterA);
    expect(reasons(await counterB.charge(charges(2, "b-last", Date.now())))).toEqual({ no_credit: 2 });
    expect(await leasedOut(partner.id)).toBe(20);
  });

  it("N15: a lease whose answer was lost is given back by the counter's next alarm, without another draw, also in a window that ended", async () => {
    const installed = installFaults();
    restore = installed.restore;
    const { partner, a, lastMonth } = await partnerInItsSecondMonth(50, [10, 10]);
    const counterA = await counterOf(a.id);
    for (const at of [Date.now(), lastMonth]) {
      installed.faults.arm({ target: "pool", method: "lease", mode: "after" });
      const lost = await counterA.charge(charges(1, `lost-${at}`, at)).then(
        () => null,
        (error: unknown) => String(error),
      );
      expect(lost).toMatch(/answer lost/);
    }
    const pool = env.POOLS.get(env.POOLS.idFromName(partner.id));
    expect((await pool.budget()).consumed + (await pool.budget(lastMonth)).consumed).toBeGreaterThan(0);
    await runDurableObjectAlarm(counterA);
    expect([(await pool.budget()).consumed, (await pool.budget(lastMonth)).consumed]).toEqual([0, 0]);
  });

  it("N15: purging an organization gives back the credits its counter still held leased", async () => {
    const installed = installFaults();
    restore = installed.restore;
    const { partner, api } = await newPartner({ creditPoolTotal: 20 });
    const create = (name: string) => api("POST", "/organizations", { name, tier: "paid", initialCredits: 10 });
    const [a, b] = [(await create("A")).body.organization, (await create("B")).body.organization];
    // A charges once (leasing 9 more), and its give-backs fail until it is purged.
    expect(reasons(await (await counterOf(a.id)).charge(charges(1, "a", Date.now())))).toEqual({ charged: 1 });
    installed.faults.arm({ target: "pool", method: "settle", mode: "before", times: 1_000 });
    expect((await api("DELETE", `/organizations/${a.id}`)).status).toBe(204);
    installed.faults.clear();
    expect((await api("DELETE", `/organizations/${a.id}?purge=true`)).status).toBe(204);
    expect(await leasedOut(partner.id)).toBe(1);
    // The 19 credits A did not use are B's to spend.
    expect((await api("PUT", `/organizations/${b.id}/credits`, { credits: 19 })).status).toBe(200);
    expect(reasons(await (await counterOf(b.id)).charge(charges(19, "b", Date.now())))).toEqual({ charged: 19 });
  });

  it("completes a purge that failed after its counter was purged when the partner repeats it", async () => {
    const installed = installFaults();
    restore = installed.restore;
    const { api } = await newPartner({ creditPoolTotal: 20 });
    const a = (await api("POST", "/organizations", { name: "A", tier: "paid", initialCredits: 10 })).body.organization;
    expect(reasons(await (await counterOf(a.id)).charge(charges(1, "a", Date.now())))).toEqual({ charged: 1 });
    expect((await api("DELETE", `/organizations/${a.id}`)).status).toBe(204);
    installed.faults.arm({ target: "pool", method: "forget", mode: "before" });
    expect((await api("DELETE", `/organizations/${a.id}?purge=true`)).status).toBe(500);
    expect((await api("DELETE", `/organizations/${a.id}?purge=true`)).status).toBe(204);
    expect((await api("GET", `/organizations/${a.id}`)).status).toBe(404);
  });

  it("N15: a creation whose D1 insert committed but lost its answer keeps its reservation in the pool", async () => {
    const installed = installFaults();
    restore = installed.restore;
    const { partner, key, api } = await newPartner({ creditPoolTotal: 100 });
    const binding = `TENANT_${partner.shard}`;
    installed.faults.arm({ target: "d1", binding, method: "batch", mode: "after" });
    const body = { name: "Lost answer", tier: "paid", initialCredits: 60 };
    const created = await callWith({}, key, "POST", "/organizations", body);
    expect(installed.faults.fired).toEqual([`d1.batch after`]);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const more = await api("POST", "/organizations", { name: "Too much", tier: "paid", initialCredits: 60 });
    expectEnvelope(more, 422, "InsufficientCredits");
    const listed = (await api("GET", "/organizations")).body.organizations as { credits: number }[];
    expect(listed.map((o) => o.credits)).toEqual([60]);
  });

  it("counts in the pool what the counter holds after an allocation change whose counter call failed, taken or not", async () => {
    const installed = installFaults();
    restore = installed.restore;
    const { api } = await newPartner({ creditPoolTotal: 100 });
    const create = (name: string, initialCredits: number) =>
      api("POST", "/organizations", { name, tier: "paid", initialCredits });
    const a = (await create("A", 50)).body.organization;
    // A raise the counter never took reserves nothing once the call failed.
    installed.faults.arm({ target: "counter", method: "setAllocation", mode: "before" });
    expect((await api("PUT", `/organizations/${a.id}/credits`, { credits: 100 })).status).toBe(500);
    expect(await (await counterOf(a.id)).balance()).toMatchObject({ allocation: 50 });
    expect((await create("B", 50)).status).toBe(201);
    // A cut the counter took, whose answer was lost, frees its credits at once.
    installed.faults.arm({ target: "counter", method: "setAllocation", mode: "after" });
    expect((await api("PUT", `/organizations/${a.id}/credits`, { credits: 0 })).status).toBe(500);
    expect(await (await counterOf(a.id)).balance()).toMatchObject({ allocation: 0 });
    expect((await create("C", 50)).status).toBe(201);
    expect(installed.faults.fired).toEqual(["counter.setAllocation before", "counter.setAllocation after"]);
    await flushCounter(a.id);
    expect((await api("GET", `/organizations/${a.id}`)).body.organization).toMatchObject({ credits: 0 });
  });
});
