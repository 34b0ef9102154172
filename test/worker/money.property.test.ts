import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receiverBucket } from "../fixtures/receiver";
import type { AcceptedHit } from "../../worker/collect/message";
import { shardedName, type Shard } from "../../worker/shards";
import { accepted, admin, deliverTo, freshIp, newPartner, tenantOf } from "./support";
import { callWith, installFaults, type Fault, type Faults } from "./support/env-faults";

/**
 * Money invariants under faults, model-based: random sequences of partner calls (create, allocate,
 * tier, status, billing change, delete, purge), hits, queue retries and redeliveries, and the
 * passage of time (a counter's alarm), each step with a failure injected at one cross-store step
 * (a D1 statement or batch, a counter or pool call, a KV operation, a queue send), failing before it
 * happens or after (its answer lost). The real D1, KV, Durable Object and Queue bindings of workerd
 * are used; the faults stand in front of them (support/env-faults.ts).
 *
 * After every step: the pool is never oversubscribed, no counter holds more than the pool counts
 * for it, and no hit was remembered as `no_credit` while its organization and the partner's budget
 * both had credits. After every sequence, once the queue's retries and the alarms have run: the
 * ledger in D1, the usage rollups, the receipts and the counter agree; every credit the partner's
 * budget counts out was charged (none lost, none created).
 *
 * `npm test` runs RUNS sequences from a fixed seed; `npm run test:soak` passes a random seed and
 * more runs (PROPERTY_SEED, PROPERTY_RUNS) and fast-check prints the seed and path of a failure.
 */
const options = env as unknown as Record<string, string | undefined>;
const SEED = options.PROPERTY_SEED ? Number(options.PROPERTY_SEED) : 20_261_117;
const RUNS = options.PROPERTY_RUNS ? Number(options.PROPERTY_RUNS) : 8;
const STEPS = 14;
/** PROPERTY_PATH (with PROPERTY_SEED) replays the one sequence a failure printed, step by step. */
const TRACE = Boolean(options.PROPERTY_PATH);

// The real namespaces, for looking inside the objects (taken before the faults are put in front).
const CREDITS = env.CREDITS;
const POOLS = env.POOLS;

interface World {
  partner: { id: string; shard: Shard };
  key: string;
  total: number;
  faults: Faults;
}

interface Organization {
  id: string;
  pixelKey: string;
  purged: boolean;
  /** Credits it was charged, read before its purge (its counter is gone after). */
  chargedAtPurge: number;
}

interface Sent {
  body: AcceptedHit;
  attempts: number;
  /** The queue would deliver it again (the consumer asked for a retry, or failed). */
  pending: boolean;
}

interface Model {
  organizations: Organization[];
  sent: Sent[];
  /** Deletions or purges that failed: a partner repeats them (each is idempotent). */
  unfinished: Map<string, "delete" | "purge">;
}

/** The companies hits come from (imported once): a hit identifies one of them by its address. */
let companies: string[] = [];

const counterOf = (w: World, id: string) => CREDITS.get(CREDITS.idFromName(shardedName(w.partner.shard, id)));
const poolOf = (w: World) => POOLS.get(POOLS.idFromName(w.partner.id));
const live = (m: Model) => m.organizations.filter((o) => !o.purged);
const pick = <T>(items: T[], i: number) => items[i % items.length]!;

type Row = Record<string, number | string | null>;

/** What a counter holds (null: nothing, e.g. purged), read inside the object. */
async function counterState(w: World, id: string) {
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
      charged: count("SELECT count(*) AS n FROM charged"),
      noCredit: sql
        .exec<{ event_id: string }>("SELECT event_id FROM events WHERE reason = 'no_credit'")
        .toArray()
        .map((r) => r.event_id),
      outbox: count("SELECT count(*) AS n FROM outbox"),
      leases: sql.exec<Row>("SELECT * FROM leases").toArray(),
      unsure: count("SELECT count(*) AS n FROM meta WHERE key = 'leases_unsure'"),
    };
  });
}
type CounterState = NonNullable<Awaited<ReturnType<typeof counterState>>>;

async function poolState(w: World) {
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
async function call(w: World, method: string, path: string, body?: unknown) {
  try {
    return await callWith({}, w.key, method, path, body);
  } catch {
    return { status: 0, body: null };
  }
}

/** Delivers messages to the hits consumer as the queue does; what it did not acknowledge stays pending. */
async function deliverAll(sent: Sent[]) {
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
async function learnOrganizations(m: Model, w: World) {
  const listed = await callWith({}, w.key, "GET", "/organizations?pageSize=100");
  for (const o of (listed.body as { organizations: { id: string }[] }).organizations) {
    if (m.organizations.some((known) => known.id === o.id)) continue;
    const pixel = await callWith({}, w.key, "GET", `/organizations/${o.id}/pixel`);
    const { apiKey } = (pixel.body as { pixel: { apiKey: string } }).pixel;
    m.organizations.push({ id: o.id, pixelKey: apiKey, purged: false, chargedAtPurge: 0 });
  }
}

/** Credits charged in the window of now by every organization the partner ever had. */
async function chargedByAll(m: Model, w: World): Promise<number> {
  let total = 0;
  for (const o of m.organizations) total += o.purged ? o.chargedAtPurge : ((await counterState(w, o.id))?.charged ?? 0);
  return total;
}

/** After every step: the pool counts at least what each counter holds, and never more than its total. */
async function checkPool(m: Model, w: World, step: string) {
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
async function checkRefusals(m: Model, w: World, before: Map<string, Set<string>>, step: string) {
  const left = w.total - (await chargedByAll(m, w));
  for (const o of live(m)) {
    const state = await counterState(w, o.id);
    if (!state) continue;
    const fresh = state.noCredit.filter((id) => !before.get(o.id)?.has(id));
    if (fresh.length === 0 || !state.chargeable || !state.period) continue;
    const available =
      (state.period.allocation as number) - (state.period.used as number) + (state.period.adjusted as number);
    expect(
      available > 0 && left > 0,
      `${step}: ${fresh.length} hit(s) of ${o.id} remembered as no_credit with ${available} credits of its own and ${left} in the partner's budget`,
    ).toBe(false);
  }
}

/** Runs a counter's alarm until its outbox is mirrored and its leases settled with the pool. */
async function settleCounter(w: World, id: string) {
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
async function heal(m: Model, w: World) {
  w.faults.clear();
  for (const [id, action] of m.unfinished) {
    const path = action === "purge" ? `/organizations/${id}?purge=true` : `/organizations/${id}`;
    const repeated = await callWith({}, w.key, "DELETE", path);
    // A purge that failed before it found the organization canceled was no purge: 409 again.
    if (action === "purge" && repeated.status === 409) continue;
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
async function checkMoney(m: Model, w: World) {
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
        .bind(o.id, state.period ? (state.period.start as number) / 1000 : 0),
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
    if (state.period) {
      const p = state.period as { allocation: number; used: number; adjusted: number; expired: number };
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

type Action = (m: Model, w: World) => Promise<void>;

/** One step of a sequence: an action, with a fault armed in front of the bindings while it runs. */
class Step implements fc.AsyncCommand<Model, World> {
  constructor(
    readonly name: string,
    readonly fault: Fault | null,
    readonly action: Action,
    readonly needsOrganization = true,
  ) {}

  check(m: Readonly<Model>): boolean {
    return !this.needsOrganization || live(m as Model).length > 0;
  }

  async run(m: Model, w: World): Promise<void> {
    if (TRACE) console.log(`step: ${this.toString()}`);
    const before = new Map<string, Set<string>>();
    for (const o of live(m)) before.set(o.id, new Set((await counterState(w, o.id))?.noCredit ?? []));
    if (this.fault) w.faults.arm(this.fault);
    try {
      await this.action(m, w);
    } finally {
      if (TRACE) console.log(`  faults that fired: ${w.faults.fired.splice(0).join(", ") || "none"}`);
      w.faults.clear();
    }
    await checkPool(m, w, this.toString());
    await checkRefusals(m, w, before, this.toString());
  }

  toString(): string {
    const f = this.fault;
    return f ? `${this.name} [call ${(f.skip ?? 0) + 1} to ${f.target ?? "any store"} fails ${f.mode}]` : this.name;
  }
}

/** A failure at the n-th cross-store call of a step, of one kind of store or of any. */
const fault: fc.Arbitrary<Fault | null> = fc.option(
  fc.record(
    {
      target: fc.constantFrom("d1" as const, "counter" as const, "pool" as const, "kv" as const, "queue" as const),
      mode: fc.constantFrom("before" as const, "after" as const),
      skip: fc.nat({ max: 5 }),
    },
    { requiredKeys: ["mode", "skip"] },
  ),
  { freq: 5 },
);
const index = fc.nat({ max: 7 });

const hits = fc.tuple(index, fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 4 }), fault).map(
  ([i, visitors, f]) =>
    new Step(`hits #${i} from ${visitors.join(",")}`, f, async (m, w) => {
      const o = pick(live(m), i);
      const sent = visitors.map((v) => ({
        body: accepted(o.id, w.partner, o.pixelKey, pick(companies, v), Date.now()),
        attempts: 1,
        pending: false,
      }));
      m.sent.push(...sent);
      await deliverAll(sent);
    }),
);

const steps = [
  fc.tuple(fc.integer({ min: 0, max: 12 }), fc.constantFrom("trial", "paid"), fault).map(
    ([credits, tier, f]) =>
      new Step(
        `create ${tier} ${credits}`,
        f,
        async (m, w) => {
          await call(w, "POST", "/organizations", { name: "Client", tier, initialCredits: credits });
          w.faults.clear();
          await learnOrganizations(m, w);
        },
        false,
      ),
  ),
  fc.tuple(index, fc.integer({ min: 0, max: 15 }), fault).map(
    ([i, credits, f]) =>
      new Step(`allocate #${i} ${credits}`, f, async (m, w) => {
        await call(w, "PUT", `/organizations/${pick(live(m), i).id}/credits`, { credits });
      }),
  ),
  fc.tuple(index, fc.constantFrom("trial", "paid"), fault).map(
    ([i, tier, f]) =>
      new Step(`tier #${i} ${tier}`, f, async (m, w) => {
        await call(w, "PUT", `/organizations/${pick(live(m), i).id}/tier`, { tier });
      }),
  ),
  fc.tuple(index, fc.boolean(), fault).map(
    ([i, enabled, f]) =>
      new Step(`status #${i} ${enabled ? "enabled" : "disabled"}`, f, async (m, w) => {
        await call(w, "PUT", `/organizations/${pick(live(m), i).id}/status`, { enabled });
      }),
  ),
  fc.tuple(index, fc.integer({ min: 1, max: 28 }), fault).map(
    ([i, day, f]) =>
      new Step(`billing day #${i} ${day}`, f, async (m, w) => {
        await call(w, "PUT", `/organizations/${pick(live(m), i).id}`, { billingDayOfMonth: day });
      }),
  ),
  fc.tuple(index, fault).map(
    ([i, f]) =>
      new Step(`delete #${i}`, f, async (m, w) => {
        const { id } = pick(live(m), i);
        const { status } = await call(w, "DELETE", `/organizations/${id}`);
        if (status === 204) m.unfinished.delete(id);
        else if (m.unfinished.get(id) !== "purge") m.unfinished.set(id, "delete");
      }),
  ),
  fc.tuple(index, fault).map(
    ([i, f]) =>
      new Step(`purge #${i}`, f, async (m, w) => {
        const o = pick(live(m), i);
        o.chargedAtPurge = (await counterState(w, o.id))?.charged ?? o.chargedAtPurge;
        const { status } = await call(w, "DELETE", `/organizations/${o.id}?purge=true`);
        if (status === 204) {
          o.purged = true;
          m.unfinished.delete(o.id);
        } else if (status !== 409) m.unfinished.set(o.id, "purge");
      }),
  ),
  hits,
  hits,
  hits,
  fault.map(
    (f) =>
      new Step(
        "queue retries",
        f,
        async (m) => {
          const pending = m.sent.filter((s) => s.pending);
          if (pending.length > 0) await deliverAll(pending);
        },
        false,
      ),
  ),
  fc.tuple(fc.nat(), fault).map(
    ([k, f]) =>
      new Step(
        `redeliver ${k}`,
        f,
        async (m) => {
          if (m.sent.length > 0) await deliverAll([pick(m.sent, k)]);
        },
        false,
      ),
  ),
  fc.tuple(index, fault).map(
    ([i, f]) =>
      new Step(`alarm #${i}`, f, async (m, w) => {
        const stub = counterOf(w, pick(live(m), i).id);
        if (!(await counterState(w, pick(live(m), i).id))) return;
        await runInDurableObject(stub, (_, s) => s.storage.setAlarm(Date.now()));
        await runDurableObjectAlarm(stub).catch(() => undefined);
      }),
  ),
];

let installed: ReturnType<typeof installFaults>;

beforeAll(async () => {
  companies = Array.from({ length: 6 }, () => freshIp());
  const imported = await admin(
    "POST",
    "/companies",
    companies.map((ip, i) => ({ name: `Visitor ${i}`, domain: `visitor-${i}-${ip}.example`, ipRanges: [`${ip}/32`] })),
  );
  expect(imported.status, imported.text).toBe(200);
  installed = installFaults();
});

afterAll(() => installed.restore());

describe("money invariants", () => {
  it(
    "hold under random partner calls, hits, redeliveries and injected faults: ledger = usage = counter, the pool never oversubscribed, no credit lost or created, no no_credit while credits exist",
    { timeout: Math.max(600_000, RUNS * 15_000) },
    async () => {
      console.log(`money property test: seed ${SEED}, ${RUNS} runs`);
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 6, max: 30 }),
          fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 3 }),
          fc.commands(steps, { maxCommands: STEPS }),
          async (total, allocations, commands) => {
            installed.faults.clear();
            const { partner, key } = await newPartner({ creditPoolTotal: total });
            const w: World = { partner, key, total, faults: installed.faults };
            const receiver = receiverBucket();
            await callWith({}, key, "PUT", "/webhooks/identification", { url: receiver.url("ok") });
            const m: Model = { organizations: [], sent: [], unfinished: new Map() };
            let left = total;
            for (const credits of allocations) {
              const initialCredits = Math.min(credits, left);
              left -= initialCredits;
              await callWith({}, key, "POST", "/organizations", { name: "Client", tier: "paid", initialCredits });
            }
            await learnOrganizations(m, w);
            await fc.asyncModelRun(() => ({ model: m, real: w }), commands);
            await heal(m, w);
            await checkMoney(m, w);
          },
        ),
        {
          seed: SEED,
          numRuns: RUNS,
          endOnFailure: true,
          ...(options.PROPERTY_PATH ? { path: options.PROPERTY_PATH } : {}),
        },
      );
    },
  );
});
