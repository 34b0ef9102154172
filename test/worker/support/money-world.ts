import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { AcceptedHit } from "../../../worker/collect/message";
import { shardedName, type Shard } from "../../../worker/shards";
import { newPartner, tenantOf } from "./partners";
import { deliverTo } from "./hits";
import { callWith, type Faults } from "./env-faults";

/**
 * The world of the money property test (test/worker/money.property.test.ts): its model of what was
 * sent and created, what the counters and the pool hold (read inside the objects), the queue's
 * retries and the alarms that settle everything, and the invariants checked after every step and
 * every sequence.
 */

// The real namespaces, for looking inside the objects (taken before the faults are put in front).
const CREDITS = env.CREDITS;
const POOLS = env.POOLS;

export interface World {
  partner: { id: string; shard: Shard };
  key: string;
  total: number;
  faults: Faults;
  /** For a partner in its second month: a moment of last month hits may carry (late deliveries). */
  lastMonth: number | null;
  /** Settings every organization of the partner is created with. */
  organizationDefaults: Record<string, unknown>;
}

/**
 * A partner billed yearly that started last month, whose organizations' monthly periods start on the
 * 1st: last month's and this month's periods of an organization draw on the same partner budget.
 */
export async function partnerInItsSecondMonth(total: number, faults: Faults): Promise<World> {
  const { partner, key } = await newPartner({
    creditPoolTotal: total,
    billingPeriod: "annually",
    billingDayOfMonth: 1,
  });
  const now = new Date();
  await env.CATALOG.prepare("UPDATE partners SET created_at = ? WHERE id = ?")
    .bind(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 3)).toISOString(), partner.id)
    .run();
  const lastMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15);
  return { partner, key, total, faults, lastMonth, organizationDefaults: { billingDayOfMonth: 1 } };
}

export interface Organization {
  id: string;
  pixelKey: string;
  purged: boolean;
  /** Credits it was charged, read before its purge (its counter is gone after). */
  chargedAtPurge: number;
}

export interface Sent {
  body: AcceptedHit;
  attempts: number;
  /** The queue would deliver it again (the consumer asked for a retry, or failed). */
  pending: boolean;
}

export interface Model {
  organizations: Organization[];
  sent: Sent[];
  /** Deletions or purges that failed: a partner repeats them (each is idempotent). */
  unfinished: Map<string, "delete" | "purge">;
}

export const counterOf = (w: World, id: string) => CREDITS.get(CREDITS.idFromName(shardedName(w.partner.shard, id)));
export const poolOf = (w: World) => POOLS.get(POOLS.idFromName(w.partner.id));
export const live = (m: Model) => m.organizations.filter((o) => !o.purged);
export const pick = <T>(items: T[], i: number) => items[i % items.length]!;

type Row = Record<string, number | string | null>;

/** What a counter holds (null: nothing, e.g. purged), read inside the object. */
export async function counterState(w: World, id: string) {
  return runInDurableObject(counterOf(w, id), (_, state) => {
    const sql = state.storage.sql;
    const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray();
    if (!tables.some((t) => t.name === "config")) return null;
    const config = sql.exec<Row>("SELECT * FROM config").toArray()[0];
    if (!config) return null;
    const now = Date.now();
    const count = (query: string) => sql.exec<{ n: number }>(query).one().n;
    return {
      allocation: config.allocation as number,
      chargeable: config.active === 1 && config.held_at === null,
      period: sql.exec<Row>("SELECT * FROM periods WHERE start <= ? AND end > ?", now, now).toArray()[0] ?? null,
      /** The period D1's organization_periods shows: the earliest not closed yet (a late hit's, until the cron closes it). */
      mirrored:
        sql
          .exec<Row>("SELECT * FROM periods WHERE closed_at IS NULL AND start <= ? ORDER BY start LIMIT 1", now)
          .toArray()[0] ?? null,
      charged: count("SELECT count(*) AS n FROM charged"),
      noCredit: sql
        .exec<{ event_id: string }>("SELECT event_id FROM events WHERE reason = 'no_credit'")
        .toArray()
        .map((r) => r.event_id),
      /** Every period the counter keeps, and the period of each hit it refused for no credit. */
      periods: sql.exec<Row>("SELECT * FROM periods").toArray(),
      refusedIn: new Map(
        sql
          .exec<{ event_id: string; period_start: number }>(
            "SELECT event_id, period_start FROM events WHERE reason = 'no_credit'",
          )
          .toArray()
          .map((r) => [r.event_id, r.period_start]),
      ),
      outbox: count("SELECT count(*) AS n FROM outbox"),
      leases: sql.exec<Row>("SELECT * FROM leases").toArray(),
      unsure: count("SELECT count(*) AS n FROM meta WHERE key = 'leases_unsure'"),
    };
  });
}

export async function poolState(w: World) {
  return runInDurableObject(poolOf(w), (_, state) => {
    const sql = state.storage.sql;
    return {
      organizations: sql.exec<{ id: string; allocation: number }>("SELECT id, allocation FROM organizations").toArray(),
      windows: sql.exec<{ start: number; end: number; leased: number }>("SELECT * FROM windows").toArray(),
      grants: sql
        .exec<{
          organization_id: string;
          start: number;
          granted: number;
          returned: number;
          used: number;
        }>("SELECT * FROM grants")
        .toArray(),
    };
  });
}

/** A partner API call through the faulty bindings; 0 when the Worker itself threw. */
export async function call(w: World, method: string, path: string, body?: unknown) {
  try {
    return await callWith({}, w.key, method, path, body);
  } catch {
    return { status: 0, body: null };
  }
}

/** Delivers messages to the hits consumer as the queue does; what it did not acknowledge stays pending. */
export async function deliverAll(sent: Sent[]) {
  const messages = sent.map((s) => ({ id: `m-${s.body.hit.i}`, body: s.body, attempts: s.attempts }));
  try {
    const result = await deliverTo("sightline-hits", messages, env);
    const retried = new Set(result.retryMessages.map((m) => m.msgId));
    for (const s of sent)
      s.pending = retried.has(`m-${s.body.hit.i}`) || !result.explicitAcks.includes(`m-${s.body.hit.i}`);
  } catch {
    for (const s of sent) s.pending = true;
  }
  for (const s of sent) s.attempts += 1;
}

/** The model learns organizations a create made although its answer was lost. */
export async function learnOrganizations(m: Model, w: World) {
  const listed = await callWith({}, w.key, "GET", "/organizations?pageSize=100");
  for (const o of (listed.body as { organizations: { id: string }[] }).organizations) {
    if (m.organizations.some((known) => known.id === o.id)) continue;
    const pixel = await callWith({}, w.key, "GET", `/organizations/${o.id}/pixel`);
    const { apiKey } = (pixel.body as { pixel: { apiKey: string } }).pixel;
    m.organizations.push({ id: o.id, pixelKey: apiKey, purged: false, chargedAtPurge: 0 });
  }
}

/** Credits charged in the window of now by every organization the partner ever had. */
export async function chargedByAll(m: Model, w: World): Promise<number> {
  let total = 0;
  for (const o of m.organizations) total += o.purged ? o.chargedAtPurge : ((await counterState(w, o.id))?.charged ?? 0);
  return total;
}

/** After every step: the pool counts at least what each counter holds, and never more than its total. */
export async function checkPool(m: Model, w: World, step: string) {
  const pool = await poolState(w);
  const counted = new Map(pool.organizations.map((o) => [o.id, o.allocation]));
  expect(
    pool.organizations.reduce((n, o) => n + o.allocation, 0),
    `${step}: allocations within the pool`,
  ).toBeLessThanOrEqual(w.total);
  for (const window of pool.windows) expect(window.leased, `${step}: window leased`).toBeLessThanOrEqual(w.total);
  for (const o of live(m)) {
    const state = await counterState(w, o.id);
    if (state)
      expect(state.allocation, `${step}: ${o.id} holds no more than its pool counts`).toBeLessThanOrEqual(
        counted.get(o.id) ?? 0,
      );
  }
}

/**
 * After a step that delivered hits: a hit remembered as `no_credit` during it is a fault when its
 * organization could still charge afterwards and the partner's budget still had credits.
 */
export async function checkRefusals(m: Model, w: World, before: Map<string, Set<string>>, step: string) {
  const left = w.total - (await chargedByAll(m, w));
  for (const o of live(m)) {
    const state = await counterState(w, o.id);
    if (!state) continue;
    const fresh = state.noCredit.filter((id) => !before.get(o.id)?.has(id));
    if (fresh.length === 0 || !state.chargeable) continue;
    // Each refused hit against the period it was refused in (a late hit's is last month's).
    for (const start of new Set(fresh.map((id) => state.refusedIn.get(id)))) {
      const period = state.periods.find((p) => p.start === start);
      if (!period || period.closed_at !== null) continue;
      const available = (period.allocation as number) - (period.used as number) + (period.adjusted as number);
      expect(
        available > 0 && left > 0,
        `${step}: hit(s) of ${o.id} remembered as no_credit with ${available} credits of its own in its period of ${new Date(start as number).toISOString()} and ${left} in the partner's budget`,
      ).toBe(false);
    }
  }
}

/** Runs a counter's alarm until its outbox is mirrored and its leases settled with the pool. */
export async function settleCounter(w: World, id: string) {
  for (let i = 0; i < 6; i++) {
    const state = await counterState(w, id);
    if (!state) return;
    const leasesSettled = state.leases.every(
      (l) =>
        l.granted === (l.used as number) + (l.returned as number) &&
        l.returned === l.acknowledged &&
        l.used === l.reported,
    );
    if (state.outbox === 0 && leasesSettled && state.unsure === 0) return;
    const stub = counterOf(w, id);
    await runInDurableObject(stub, (_, s) => s.storage.setAlarm(Date.now()));
    await runDurableObjectAlarm(stub);
  }
  throw new Error(`counter of ${id} does not settle`);
}

/** The queue's retries and the alarms, without faults, until every hit is decided. */
export async function heal(m: Model, w: World) {
  w.faults.clear();
  for (const [id, action] of m.unfinished) {
    const path = action === "purge" ? `/organizations/${id}?purge=true` : `/organizations/${id}`;
    const repeated = await callWith({}, w.key, "DELETE", path);
    // A purge that failed before it found the organization canceled was no purge: 409 again.
    if (action === "purge" && repeated.status === 409) continue;
    // One that failed after it recorded the purge (its job not sent) already took the organization
    // out of the API: 404, and the cron sends the job again (resumeStalledPurges).
    if (action === "purge" && repeated.status === 404) {
      m.organizations.find((o) => o.id === id)!.purged = true;
      continue;
    }
    expect(repeated.status, `repeating the ${action} of ${id}`).toBe(204);
    if (action === "purge") m.organizations.find((o) => o.id === id)!.purged = true;
  }
  m.unfinished.clear();
  for (let round = 0; round < 8; round++) {
    for (const o of live(m)) await settleCounter(w, o.id);
    const pending = m.sent.filter((s) => s.pending);
    if (pending.length === 0) break;
    await deliverAll(pending);
  }
  // Hits of a purged organization are left out: the consumer's isolate may still know its key and
  // keep retrying them into the dead-letter queue (worker/collect/organization-keys.ts); no credit moves.
  const purged = new Set(m.organizations.filter((o) => o.purged).map((o) => o.id));
  expect(
    m.sent.filter((s) => s.pending && !purged.has(s.body.organizationId)).map((s) => s.body.hit.i),
    "hits still undecided",
  ).toEqual([]);
  for (const o of live(m)) await settleCounter(w, o.id);
}

/** After every sequence: ledger = usage = receipts = counter, and the budget counts exactly what was charged. */
export async function checkMoney(m: Model, w: World) {
  const db = (await tenantOf(w.partner.id)).DB;
  const org = "(SELECT key FROM organization_keys WHERE organization_id = ?1)";
  const charged = new Map<string, number>();
  for (const o of live(m)) {
    const state = await counterState(w, o.id);
    if (!state) continue;
    charged.set(o.id, state.charged);
    const [ledger, usage, receipts, period, row] = await db.batch<Row>([
      db
        .prepare(
          `SELECT count(*) FILTER (WHERE kind = 'debit') AS debits,
             coalesce(sum(credits) FILTER (WHERE period_start = ?2), 0) AS balance
           FROM ledger_entries WHERE org = ${org}`,
        )
        .bind(o.id, state.mirrored ? (state.mirrored.start as number) / 1000 : 0),
      db.prepare("SELECT coalesce(sum(credits), 0) AS credits FROM usage_daily WHERE organization_id = ?1").bind(o.id),
      db.prepare(`SELECT count(*) AS n FROM charges WHERE org = ${org}`).bind(o.id),
      db.prepare("SELECT allocation, used, available FROM organization_periods WHERE organization_id = ?1").bind(o.id),
      db.prepare("SELECT credits FROM organizations WHERE id = ?1").bind(o.id),
    ]);
    const label = `organization ${o.id}`;
    expect(ledger!.results[0], `${label}: D1 ledger`).toMatchObject({ debits: state.charged });
    expect(usage!.results[0], `${label}: usage rollups`).toEqual({ credits: state.charged });
    expect(receipts!.results[0], `${label}: receipts`).toEqual({ n: state.charged });
    expect(row!.results[0], `${label}: D1 allocation`).toEqual({ credits: state.allocation });
    if (state.mirrored) {
      const p = state.mirrored as { allocation: number; used: number; adjusted: number; expired: number };
      const balance = p.allocation - p.used + p.adjusted - p.expired;
      expect(ledger!.results[0], `${label}: D1 ledger balance`).toMatchObject({ balance });
      expect(period!.results[0], `${label}: D1 period`).toEqual({
        allocation: p.allocation,
        used: p.used,
        available: Math.max(0, balance),
      });
      expect(p.used, `${label}: used within its period`).toBeLessThanOrEqual(p.allocation + p.adjusted);
    }
  }
  for (const o of m.organizations.filter((o) => o.purged)) charged.set(o.id, o.chargedAtPurge);
  const pool = await poolState(w);
  const now = Date.now();
  const window = pool.windows.find((x) => x.start <= now && x.end > now);
  const all = [...charged.values()].reduce((a, b) => a + b, 0);
  expect(all, "credits charged within the partner's budget").toBeLessThanOrEqual(w.total);
  expect(window?.leased ?? 0, "the budget counts out exactly what was charged").toBe(all);
  for (const g of pool.grants.filter((x) => x.start === window?.start)) {
    expect(g.granted - g.returned, `grant of ${g.organization_id}: kept = used`).toBe(g.used);
    expect(g.used, `grant of ${g.organization_id}: used = charged`).toBe(charged.get(g.organization_id) ?? 0);
  }
}

/** For a replayed sequence: per organization, credits charged by its counter, receipts and usage in D1, hits pending. */
export async function describeWorld(m: Model, w: World): Promise<string> {
  const db = (await tenantOf(w.partner.id)).DB;
  const lines = [];
  for (const o of live(m)) {
    const state = await counterState(w, o.id);
    const [receipts, usage] = await db.batch<{ n: number }>([
      db
        .prepare(
          "SELECT count(*) AS n FROM charges WHERE org = (SELECT key FROM organization_keys WHERE organization_id = ?)",
        )
        .bind(o.id),
      db.prepare("SELECT coalesce(sum(credits), 0) AS n FROM usage_daily WHERE organization_id = ?").bind(o.id),
    ]);
    const pending = m.sent.filter((s) => s.pending && s.body.organizationId === o.id).length;
    lines.push(
      `  ${o.id}: counter charged ${state?.charged ?? "-"}, receipts ${receipts!.results[0]!.n}, usage ${usage!.results[0]!.n}, pending ${pending}`,
    );
  }
  return lines.join("\n");
}
