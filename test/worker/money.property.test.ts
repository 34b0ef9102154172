import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { receiverBucket } from "../fixtures/receiver";
import { admin } from "./support/api";
import { newPartner } from "./support/partners";
import { accepted, freshIp } from "./support/hits";
import { callWith, installFaults, type Fault } from "./support/env-faults";
import {
  call,
  checkMoney,
  checkPool,
  checkRefusals,
  counterOf,
  counterState,
  deliverAll,
  describeWorld,
  heal,
  learnOrganizations,
  live,
  partnerInItsSecondMonth,
  pick,
  type Model,
  type World,
} from "./support/money-world";

/**
 * Money invariants under faults, model-based: random sequences of partner calls (create, allocate,
 * tier, status, billing change, delete, purge), hits, queue retries and redeliveries, and the
 * passage of time (a counter's alarm), each step with a failure injected at one cross-store step
 * (a D1 statement or batch, a counter or pool call, a KV operation, a queue send), failing before it
 * happens or after (its answer lost). The real D1, KV, Durable Object and Queue bindings of workerd
 * are used; the faults stand in front of them (support/env-faults.ts).
 *
 * Half the sequences run for a partner billed yearly and in its second month, whose hits may arrive
 * late (last month's): its organizations' earlier periods then share the partner's budget with their
 * current ones, so one organization's leases can hold credits another needs (security audit N4).
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
const RUNS = options.PROPERTY_RUNS ? Number(options.PROPERTY_RUNS) : 16;
const STEPS = 14;
/** PROPERTY_PATH (with PROPERTY_SEED) replays the one sequence a failure printed, step by step. */
const TRACE = Boolean(options.PROPERTY_PATH);

/** The companies hits come from (imported once): a hit identifies one of them by its address. */
let companies: string[] = [];

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
    if (TRACE) console.log(await describeWorld(m, w));
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
      skip: fc.oneof({ weight: 3, arbitrary: fc.nat({ max: 2 }) }, { weight: 1, arbitrary: fc.nat({ max: 8 }) }),
    },
    { requiredKeys: ["mode", "skip"] },
  ),
  { freq: 5 },
);
const index = fc.nat({ max: 7 });

/**
 * A delivery as the queue makes it: hits of any organizations, each from one of the companies. For a
 * partner in its second month, some arrived last month (`<<`): organizations' earlier periods share
 * the partner's budget with their current ones, so one organization's leases can hold what another needs.
 */
const hits = fc
  .tuple(fc.array(fc.tuple(index, fc.nat({ max: 11 }), fc.boolean()), { minLength: 1, maxLength: 10 }), fault)
  .map(
    ([visits, f]) =>
      new Step(`hits ${visits.map(([i, v, late]) => `#${i}${late ? "<<" : "<"}${v}`).join(" ")}`, f, async (m, w) => {
        const sent = visits.map(([i, v, late], n) => {
          const o = pick(live(m), i);
          const at = late && w.lastMonth !== null ? w.lastMonth + m.sent.length + n : Date.now();
          return { body: accepted(o.id, w.partner, o.pixelKey, pick(companies, v), at), attempts: 1, pending: false };
        });
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
          await call(w, "POST", "/organizations", {
            name: "Client",
            tier,
            initialCredits: credits,
            ...w.organizationDefaults,
          });
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
  companies = Array.from({ length: 12 }, () => freshIp());
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
          fc.boolean(),
          fc.commands(steps, { maxCommands: STEPS }),
          async (total, allocations, secondMonth, commands) => {
            installed.faults.clear();
            const w: World = secondMonth
              ? await partnerInItsSecondMonth(total, installed.faults)
              : {
                  ...(await newPartner({ creditPoolTotal: total })),
                  total,
                  faults: installed.faults,
                  lastMonth: null,
                  organizationDefaults: {},
                };
            const { key } = w;
            const receiver = receiverBucket();
            await callWith({}, key, "PUT", "/webhooks/identification", { url: receiver.url("ok") });
            const m: Model = { organizations: [], sent: [], unfinished: new Map() };
            let left = total;
            for (const credits of allocations) {
              const initialCredits = Math.min(credits, left);
              left -= initialCredits;
              await callWith({}, key, "POST", "/organizations", {
                name: "Client",
                tier: "paid",
                initialCredits,
                ...w.organizationDefaults,
              });
            }
            await learnOrganizations(m, w);
            await fc.asyncModelRun(() => ({ model: m, real: w }), commands);
            await heal(m, w);
            await checkMoney(m, w);
          },
        ),
        {
          seed: SEED,
          numRuns: TRACE ? 1 : RUNS,
          endOnFailure: true,
          ...(TRACE ? { path: options.PROPERTY_PATH } : {}),
        },
      );
    },
  );
});
