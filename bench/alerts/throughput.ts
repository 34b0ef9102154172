/**
 * What ten alert rules cost the hits consumer: the same traffic through the product's consumer
 * (bench/driver/alerts-consumer.ts, in the Worker's workerd, on its D1 databases, credit counters and
 * queues) for two organizations that differ only in their rules: one with none, one with a real
 * client's ten (bench/alerts/client.ts). The two run interleaved, 500 hits of one, then the same 500 of
 * the other's traffic (the order alternating), so the machine's noise falls on both alike. The figure
 * is the median over these turns of the ratio of the two sides' times (`ratio`), beside the ratio of
 * the workerd process's CPU time (`cpuRatio`). The kinds of traffic, each on a fresh pair of
 * organizations except the last:
 *
 *   control             issue 10's profile, neither organization with rules: the noise of the method
 *   mixed day           issue 10's profile (bench/traffic-profile.ts): 30 % of visitors from imported companies
 *   anonymous only      that profile's anonymous visitors alone: no alert can fire, so no alert work is done
 *   identified only     its identified visitors alone, first visits: `identified` and `page_viewed` rules fire
 *   identified, back    the same visitors eight days later: `returned` and `page_viewed` rules fire
 */
import { join } from "node:path";
import type { V4WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { bundleForWorkerd, type LocalWorker, seedOrganization } from "../../test/browser/support/worker.ts";
import { childWorkerd, processCpuMs } from "../inspector.ts";
import { DAY_MS, type Message, profile } from "../traffic-profile.ts";
import { addAlertRules, addIcp, RULES } from "./client.ts";

export const ALERTS_DRIVER_HOST = "alerts-consumer.bench";
/** The workload whose two organizations both have no rules: what the figures' noise alone makes of a ratio. */
export const CONTROL = "control: no rules on either side";
/** The queue the driver's `NOTIFICATIONS` sends to: no consumer takes it (the deliveries are not timed). */
const UNCONSUMED_NOTIFICATIONS = "bench-alert-notifications";
const BATCH = 100;
/** Messages per turn of one side (five batches). */
const CHUNK = 500;

/** The driver, bundled with the product code it drives, bound to the Worker's D1, counters and queues. */
export async function alertsDriverWorker(root: string): Promise<V4WorkerOptions> {
  const contents = await bundleForWorkerd(join(root, "bench/driver/alerts-consumer.ts"));
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml"));
  const producers = (workerOptions.queueProducers ?? {}) as Record<string, string | { queueName: string }>;
  const queues = Object.fromEntries(
    Object.entries(producers).map(([binding, queue]) => [binding, typeof queue === "string" ? queue : queue.queueName]),
  );
  return {
    compatibilityDate: "2026-11-01",
    name: "bench-alerts-consumer",
    modules: [{ type: "ESModule", path: join(root, "bench/driver/alerts-consumer.js"), contents }],
    d1Databases: workerOptions.d1Databases,
    durableObjects: { CREDITS: { className: "CreditCounter", scriptName: "sightline" } },
    queueProducers: { ...queues, NOTIFICATIONS: UNCONSUMED_NOTIFICATIONS },
    routes: [`${ALERTS_DRIVER_HOST}/*`],
  } as V4WorkerOptions;
}

export interface Side {
  hits: number;
  /** Each chunk's times, in turn (the other side ran the same chunk of its own traffic beside it). */
  turns: Timed[];
  /** Charges of the organization after the workload (the same on both sides, or the comparison is void). */
  charges: number;
}

export interface Comparison {
  workload: string;
  none: Side;
  rules: Side;
  /** Firings of the rules organization in this workload (one per rule and visitor that passed) and their deliveries. */
  firings: number;
  deliveries: number;
}

export interface ThroughputFigures {
  visitors: number;
  repetitions: number;
  /** Each kind of traffic once per repetition, on fresh organizations each time. */
  comparisons: Comparison[];
  /** Firings of each rule (by the index in RULES) over every workload. */
  firingsByRule: number[];
}

interface Organization {
  organizationId: string;
  partnerId: string;
  pixelKey: string;
  day: number;
}

/** A fresh partner and organization, and the UTC day it was created (its first billing period holds it). */
async function organization(worker: LocalWorker): Promise<Organization & Awaited<ReturnType<typeof seedOrganization>>> {
  const org = await seedOrganization(worker, { credits: 1_000_000, poolTotal: 50_000_000, importLocal: false });
  const row = (await (
    await worker.db()
  )
    .prepare("SELECT partner_id, created_at FROM organizations WHERE id = ?")
    .bind(org.organizationId)
    .first<{ partner_id: string; created_at: string }>())!;
  return { ...org, partnerId: row.partner_id, day: Math.floor(Date.parse(row.created_at) / DAY_MS) };
}

/** Wall-clock and workerd CPU milliseconds of a run of messages through the consumer. */
interface Timed {
  ms: number;
  cpuMs: number;
}

async function run(worker: LocalWorker, workerd: number, messages: Message[]): Promise<Timed> {
  const cpu = processCpuMs(workerd);
  const res = await worker.mf.dispatchFetch(`http://${ALERTS_DRIVER_HOST}/run`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messages, batchSize: BATCH }),
  });
  if (!res.ok) throw new Error(`alerts driver answered ${res.status}: ${await res.text()}`);
  const answer = (await res.json()) as { ms: number; retried: number };
  if (answer.retried > 0) throw new Error(`${answer.retried} message(s) retried: the consumer failed or waited`);
  return { ms: answer.ms, cpuMs: processCpuMs(workerd) - cpu };
}

const isPageView = (m: Message) => m.body.hit.t === "v";

/** Both sides' messages, a chunk of each in turn, the first side alternating; the times of each side's chunks. */
async function interleaved(worker: LocalWorker, none: Message[], rules: Message[]) {
  const [workerd] = childWorkerd();
  if (workerd === undefined) throw new Error("no workerd process of this bench found in /proc");
  const turns = { none: [] as Timed[], rules: [] as Timed[] };
  for (let k = 0, turn = 0; k < none.length; k += CHUNK, turn++) {
    const order = turn % 2 === 0 ? (["none", "rules"] as const) : (["rules", "none"] as const);
    for (const side of order) {
      turns[side].push(await run(worker, workerd, (side === "none" ? none : rules).slice(k, k + CHUNK)));
    }
  }
  return turns;
}

export async function measureAlertThroughput(
  worker: LocalWorker,
  o: { visitors: number; repetitions: number; receiver: string; log: (s: string) => void },
): Promise<ThroughputFigures> {
  const db = await worker.db();
  const count = async (sql: string, ...args: unknown[]) =>
    (
      await db
        .prepare(sql)
        .bind(...args)
        .first<{ n: number }>()
    )?.n ?? 0;
  const charges = (org: Organization) =>
    count(
      "SELECT count(*) AS n FROM charges WHERE org = (SELECT key FROM organization_keys WHERE organization_id = ?)",
      org.organizationId,
    );
  const alertRows = async (org: Organization) => ({
    firings: await count(
      "SELECT count(DISTINCT firing) AS n FROM alert_deliveries WHERE organization_id = ?",
      org.organizationId,
    ),
    deliveries: await count("SELECT count(*) AS n FROM alert_deliveries WHERE organization_id = ?", org.organizationId),
  });

  const ruleIds: string[][] = [];
  /** Two fresh organizations with the same ICP config; the second with the ten rules unless `control`. */
  async function pair(control = false) {
    const none = await organization(worker);
    const rules = await organization(worker);
    await addIcp(none);
    await addIcp(rules);
    if (!control) ruleIds.push(await addAlertRules(rules, o.receiver));
    return { none, rules };
  }
  const seed = 7;
  const messagesOf = (org: Organization, only?: "anonymous" | "identified", day = org.day) =>
    profile({ ...org, day, visitors: o.visitors, seed }, only).messages;

  const comparisons: Comparison[] = [];
  async function compare(
    workload: string,
    { none, rules }: { none: Organization; rules: Organization },
    only?: "anonymous" | "identified",
    daysLater = 0,
  ) {
    const n = messagesOf(none, only, none.day + daysLater);
    const r = messagesOf(rules, only, rules.day + daysLater);
    o.log(`alerts: ${workload}: ${n.length} hits on each side, interleaved`);
    const before = await alertRows(rules);
    const turns = await interleaved(worker, n, r);
    const after = await alertRows(rules);
    const [noneCharges, rulesCharges] = [await charges(none), await charges(rules)];
    if (noneCharges !== rulesCharges) {
      throw new Error(
        `${workload}: ${noneCharges} charges on one side, ${rulesCharges} on the other: not the same traffic`,
      );
    }
    comparisons.push({
      workload,
      none: { hits: n.length, turns: turns.none, charges: noneCharges },
      rules: { hits: r.length, turns: turns.rules, charges: rulesCharges },
      firings: after.firings - before.firings,
      deliveries: after.deliveries - before.deliveries,
    });
  }

  const companies = profile({
    organizationId: "",
    partnerId: "",
    pixelKey: "",
    day: 0,
    visitors: o.visitors,
    seed,
  }).companies;
  o.log(`alerts: importing ${companies.length} companies`);
  for (let k = 0; k < companies.length; k += 500)
    await worker.admin("POST", "/api/v1/admin/companies", companies.slice(k, k + 500));

  for (let repetition = 1; repetition <= o.repetitions; repetition++) {
    o.log(`alerts: repetition ${repetition} of ${o.repetitions}`);
    await compare(CONTROL, await pair(true));
    await compare("mixed day", await pair());
    await compare("anonymous only", await pair(), "anonymous");
    const known = await pair();
    await compare("identified only, first visits", known, "identified");
    // Eight days on, in the same billing period (it lasts a month from the day of creation or the 28th).
    await compare("identified only, back eight days later", known, "identified", 8);
  }

  const firingsByRule = await Promise.all(
    RULES.map(async (_, index) => {
      const ids = ruleIds.map((r) => r[index]!);
      return count(
        `SELECT count(DISTINCT firing) AS n FROM alert_deliveries WHERE rule_id IN (${ids.map(() => "?").join(", ")})`,
        ...ids,
      );
    }),
  );
  return { visitors: o.visitors, repetitions: o.repetitions, comparisons, firingsByRule };
}

const total = (s: Side, of: keyof Timed) => s.turns.reduce((a, t) => a + t[of], 0);

/** Hits per second of a side (wall clock, as the consumer ran beside everything else on the machine). */
export const rate = (s: Side) => s.hits / (total(s, "ms") / 1000);

/**
 * Throughput with rules ÷ without, from the CPU time of the workerd process (the consumer, D1's SQLite
 * and the credit counters all run in it): what the ratio of hits per second is on a machine with a core
 * to spare, whatever else this one runs meanwhile.
 */
export const cpuRatio = (c: Comparison) => total(c.none, "cpuMs") / total(c.rules, "cpuMs");

/**
 * The same from the wall clock: the median over the turns of the ratio of the two sides' times for the
 * same chunk of traffic (a burst of other processes' load falls on a turn or two).
 */
export function wallRatio(c: Comparison): number {
  const turns = c.none.turns.map((none, i) => none.ms / c.rules.turns[i]!.ms).sort((a, b) => a - b);
  const mid = turns.length >> 1;
  return turns.length % 2 ? turns[mid]! : (turns[mid - 1]! + turns[mid]!) / 2;
}

/** The repetitions of each kind of traffic as one comparison (their turns together), in the order they ran. */
export function pooled(comparisons: readonly Comparison[]): (Comparison & { repetitions: Comparison[] })[] {
  const byWorkload = Map.groupBy(comparisons, (c) => c.workload);
  const side = (sides: Side[]): Side => ({
    hits: sides.reduce((a, s) => a + s.hits, 0),
    turns: sides.flatMap((s) => s.turns),
    charges: sides[0]!.charges,
  });
  return [...byWorkload].map(([workload, reps]) => ({
    workload,
    none: side(reps.map((r) => r.none)),
    rules: side(reps.map((r) => r.rules)),
    firings: reps[0]!.firings,
    deliveries: reps[0]!.deliveries,
    repetitions: reps,
  }));
}
