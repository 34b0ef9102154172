/**
 * What the hits pipeline keeps and writes, measured on a realistic day of traffic (issue 10's
 * profile, bench/traffic-profile.ts) run through the real queue consumer (bench/driver/consumer.ts:
 * the product's consumer in the same workerd, D1 metered), in batches of 100 messages in arrival
 * order, as the queue delivers them. Alone: `npm run bench -- --only storage` (rewrites this section
 * of BENCHMARKS.md and bench/results/unit-costs.json, which the scale simulation reads).
 *
 * Bytes come from the SQLite files themselves (bench/sqlite-files.ts): D1's files and the
 * organizations' credit counters (Durable Objects with their own SQLite).
 */
import { join } from "node:path";
import type { V4WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { bundleForWorkerd, type LocalWorker, seedOrganization } from "../test/browser/support/worker.ts";
import { growth, grouped, snapshot } from "./sqlite-files.ts";
import { DAY_MS, type Message, type Profile, profile } from "./traffic-profile.ts";
import { wrk } from "./wrk.ts";
import { BARE_HOST } from "./workers.ts";

export const STORAGE_HEADING = "## Storage and writes per page view (the hits consumer)";
export const DRIVER_HOST = "consumer.bench";
const BATCH = 100;

/** The bench-only consumer driver, bundled with the product code it drives; bound to wrangler.toml's hit queues. */
export async function consumerDriverWorker(root: string): Promise<V4WorkerOptions> {
  const contents = await bundleForWorkerd(join(root, "bench/driver/consumer.ts"));
  const main = unstable_getMiniflareWorkerOptions(join(root, "wrangler.toml")).workerOptions;
  const producers = main.queueProducers ?? {};
  const hitQueues = Object.fromEntries(
    Object.entries(producers as Record<string, string | { queueName: string }>)
      .filter(([binding]) => binding.startsWith("HITS_"))
      .map(([binding, queue]) => [binding, typeof queue === "string" ? queue : queue.queueName]),
  );
  return {
    compatibilityDate: "2026-11-01",
    name: "bench-consumer",
    modules: [{ type: "ESModule", path: join(root, "bench/driver/consumer.js"), contents }],
    // The main Worker's databases (the same local D1 files).
    d1Databases: main.d1Databases,
    durableObjects: { CREDITS: { className: "CreditCounter", scriptName: "sightline" } },
    queueProducers: { ...hitQueues, WEBHOOKS: "sightline-webhooks", JOBS: "sightline-jobs" },
    routes: [`${DRIVER_HOST}/*`],
  } as V4WorkerOptions;
}

interface RunAnswer {
  ms: number;
  batches: number;
  rowsWritten: number;
  rowsRead: number;
  /** Rows written by kind of statement and table ("INSERT page_views", …). */
  written: Record<string, number>;
  retried: number;
}

async function drive(worker: LocalWorker, path: string, body: unknown): Promise<any> {
  const res = await worker.mf.dispatchFetch(`http://${DRIVER_HOST}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`driver ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/**
 * Runs messages through the consumer in batches of 100, one after the other, timed inside workerd by
 * the driver (the queue hands batches over there too; a Node round trip per batch is not the consumer).
 */
async function consume(worker: LocalWorker, messages: Message[]): Promise<RunAnswer> {
  const answer = (await drive(worker, "/run", { messages, batchSize: BATCH })) as RunAnswer;
  if (answer.retried > 0) {
    // Only engagement hits come back (their page view later in the day): the profile never sends one early.
    throw new Error(`${answer.retried} message(s) retried: the profile sends every page view before its engagement`);
  }
  return answer;
}

export interface StorageFigures {
  measuredAt: string;
  profile: { visitors: number; identified: number; pageViews: number; identifiedPageViews: number; hits: number };
  grown: ReturnType<typeof growth>;
  kept: ReturnType<typeof growth>;
  byGroup: [string, number, number][];
  charges: number;
  devices: number;
  rows: {
    mixed: { written: number; read: number };
    anonymous: { pageViews: number; written: number; read: number; engagementWritten: number };
    identified: {
      pageViews: number;
      written: number;
      read: number;
      engagementWritten: number;
      engagementRead: number;
      visitors: number;
      /** Each visitor's first page view (a new visitor and its charge), and the page views after it. */
      first: { pageViews: number; written: number; read: number; receipts: number };
      repeat: { pageViews: number; written: number; read: number };
    };
    /** The rows the credit counter's outbox flush writes to D1: one flush of one debit, one of 100. */
    mirror: { one: number; hundred: number };
    /** The same hits with no other hit of their organization in their batch (a queue every organization shares). */
    alone: { anonymous: number; first: number; repeat: number; engagement: number };
    pruneDevices: { rows: number; written: number };
    pruneRetention: {
      visitors: number;
      sessions: number;
      pageViews: number;
      written: number;
      /** Rows the sweep wrote removing page views and sessions, and removing visitors (row, search terms, count). */
      pageViewRows: number;
      visitorRows: number;
    };
  };
  throughput: { hits: number; seconds: number; perSecond: number; bare: number; batches: number };
}

/**
 * A fresh partner and organization, and the UTC day the profile's hits are dated on: the day the
 * organization was created. Its first billing period, and its partner's, start at 00:00 UTC of the billing
 * day (the day of creation, or the 28th when created later in the month) and last a month, so they hold the
 * whole of that day on any date: every identified visitor of the profile is chargeable. The hits of the
 * day's later hours lie ahead of the clock; the consumer dates them by their `receivedAt` alone.
 */
async function organizationOf(worker: LocalWorker) {
  const org = await seedOrganization(worker, { credits: 1_000_000, poolTotal: 50_000_000, importLocal: false });
  const db = await worker.db();
  const row = (await db
    .prepare("SELECT partner_id, created_at FROM organizations WHERE id = ?")
    .bind(org.organizationId)
    .first<{ partner_id: string; created_at: string }>())!;
  return { ...org, partnerId: row.partner_id, day: Math.floor(Date.parse(row.created_at) / DAY_MS) };
}

/** The cron's clock for the pruning: two days after the profile's day, when its device rows are past days. */
const cronNow = (day: number) => (day + 2) * DAY_MS + DAY_MS / 2;

/** Every identified visitor of a profile was charged; else says why not (the outcomes the consumer counted). */
async function expectCharged(worker: LocalWorker, org: { organizationId: string }, expected: number) {
  const db = await worker.db();
  const counts = await db
    .prepare(
      `SELECT coalesce(sum(credits), 0) AS charged, coalesce(sum(no_credit), 0) AS no_credit,
         coalesce(sum(disabled), 0) AS disabled, group_concat(day) AS days
       FROM usage_daily WHERE organization_id = ?`,
    )
    .bind(org.organizationId)
    .first<{ charged: number; no_credit: number; disabled: number; days: string | null }>();
  if (counts && counts.charged === expected) return;
  throw new Error(
    `only ${counts?.charged ?? 0} of ${expected} identified visitors were charged (hits refused: ${counts?.no_credit ?? 0} ` +
      `no_credit, ${counts?.disabled ?? 0} disabled; days ${counts?.days ?? "none"}): the profile's hits must lie in the ` +
      "organization's billing period",
  );
}

async function importCompanies(worker: LocalWorker, companies: Profile["companies"]) {
  for (let k = 0; k < companies.length; k += 500)
    await worker.admin("POST", "/api/v1/admin/companies", companies.slice(k, k + 500));
}

/** Waits until the counter's outbox has mirrored every charge to D1 (its alarm runs about a second after). */
async function ledgerMirrored(worker: LocalWorker, organizationId: string, charges: number) {
  const db = await worker.db();
  for (let i = 0; i < 200; i++) {
    const row = await db
      .prepare(
        `SELECT count(*) AS n FROM ledger_entries
         WHERE org = (SELECT key FROM organization_keys WHERE organization_id = ?) AND kind = 'debit'`,
      )
      .bind(organizationId)
      .first<{ n: number }>();
    if ((row?.n ?? 0) >= charges) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the credit counter's outbox was not mirrored to D1 within 20 s");
}

/** Each visitor's first page view (by address: one visitor each), and the rest, in order. */
function firstAndRepeat(messages: Message[]): { first: Message[]; repeat: Message[] } {
  const seen = new Set<string>();
  const first: Message[] = [];
  const repeat: Message[] = [];
  for (const m of messages) {
    if (seen.has(m.body.ip)) repeat.push(m);
    else {
      seen.add(m.body.ip);
      first.push(m);
    }
  }
  return { first, repeat };
}

/** Rows the counter's outbox flush writes for `debits` debits of the organization (bench/driver/consumer.ts). */
async function mirrorRows(worker: LocalWorker, organizationId: string, debits: number): Promise<number> {
  return ((await drive(worker, "/mirror", { organizationId, shard: 1, debits })) as { rowsWritten: number })
    .rowsWritten;
}

/**
 * Rows per hit when no other hit of the organization shares the batch: a queue that carries every
 * organization's hits delivers a small organization's hits that way (a batch of 100 fills in a fraction of a
 * second), so the day's device row, the rollup, the visitor and the session are written once per hit.
 */
async function hitsAlone(worker: LocalWorker, visitors: number) {
  const org = await organizationOf(worker);
  const p = profile({ ...org, visitors, seed: 29 });
  await importCompanies(worker, p.companies);
  const identified = new Set(p.companies.flatMap((c) => c.ipRanges.map((r) => r.replace(/\/32$/, ""))));
  const views = p.messages.filter((m) => m.body.hit.t === "v");
  const { first, repeat } = firstAndRepeat(views.filter((m) => identified.has(m.body.ip)));
  const perHit = async (messages: Message[]) =>
    messages.length === 0
      ? 0
      : ((await drive(worker, "/run", { messages, batchSize: 1 })) as RunAnswer).rowsWritten / messages.length;
  return {
    anonymous: await perHit(views.filter((m) => !identified.has(m.body.ip))),
    first: await perHit(first),
    repeat: await perHit(repeat),
    engagement: await perHit(p.messages.filter((m) => m.body.hit.t === "e" && identified.has(m.body.ip))),
  };
}

export async function measureStorage(
  worker: LocalWorker,
  o: { visitors: number; log: (s: string) => void; bareSeconds: number },
): Promise<StorageFigures> {
  const db = await worker.db();

  // ------------------------------------------------------------ the whole profile, one organization
  const org = await organizationOf(worker);
  const mixed = profile({ ...org, visitors: o.visitors, seed: 7 });
  o.log(
    `storage: importing ${mixed.companies.length} companies, then ${mixed.messages.length} hits through the consumer`,
  );
  await importCompanies(worker, mixed.companies);
  const before = await snapshot(worker.persist);
  const run = await consume(worker, mixed.messages);
  await expectCharged(worker, org, mixed.identifiedVisitors);
  await ledgerMirrored(worker, org.organizationId, mixed.identifiedVisitors);
  const during = await snapshot(worker.persist);
  const key = "(SELECT key FROM organization_keys WHERE organization_id = ?)";
  const counted = async (sql: string, organizationId = org.organizationId) =>
    (await db.prepare(sql).bind(organizationId).first<{ n: number }>())?.n ?? 0;
  const charges = await counted(`SELECT count(*) AS n FROM charges WHERE org = ${key}`);
  const devices = await counted(`SELECT count(*) AS n FROM device_days WHERE org = ${key}`);
  o.log(`storage: ${charges} charges, ${devices} device rows; running the cron's device-row pruning`);
  const pruneDevices = (await drive(worker, "/prune", { now: cronNow(org.day) })) as {
    devices: number;
    devicesRowsWritten: number;
  };
  const after = await snapshot(worker.persist);

  // ------------------------------------------------------------ throughput: the bare route in the same run
  o.log("storage: bare route (baseline)");
  const bare = await wrk({
    url: `${worker.url}/`,
    seconds: o.bareSeconds,
    connections: 16,
    headers: { Host: BARE_HOST },
  });

  // ------------------------------------------------------------ rows written per kind of traffic, apart
  o.log("storage: the anonymous and the identified visitors' hits apart, for rows per page view");
  const anonOrg = await organizationOf(worker);
  const anon = profile({ ...anonOrg, visitors: o.visitors, seed: 11 }, "anonymous");
  const anonViews = await consume(
    worker,
    anon.messages.filter((m) => (m.body.hit as { t: string }).t === "v"),
  );
  const anonEngagement = await consume(
    worker,
    anon.messages.filter((m) => (m.body.hit as { t: string }).t === "e"),
  );
  const idOrg = await organizationOf(worker);
  const ident = profile({ ...idOrg, visitors: o.visitors, seed: 13 }, "identified");
  await importCompanies(worker, ident.companies);
  // Each visitor's first page view creates its visitor and charges it; the page views after it find both.
  const { first, repeat } = firstAndRepeat(ident.messages.filter((m) => m.body.hit.t === "v"));
  const idFirst = await consume(worker, first);
  const idRepeat = await consume(worker, repeat);
  const idEngagement = await consume(
    worker,
    ident.messages.filter((m) => m.body.hit.t === "e"),
  );
  const mirror = {
    one: await mirrorRows(worker, idOrg.organizationId, 1),
    hundred: await mirrorRows(worker, idOrg.organizationId, 100),
  };

  // ------------------------------------------------------------ the same hits, none sharing a batch with its organization's
  o.log("storage: hits alone in their batches, as a queue shared by every organization delivers them");
  const alone = await hitsAlone(worker, Math.max(50, Math.round(o.visitors / 10)));

  // ------------------------------------------------------------ what the retention sweep writes to remove a story
  o.log("storage: the retention sweep removing the identified visitors' stories");
  await worker.admin("PUT", `/api/v1/admin/partners/${idOrg.partnerId}`, { retentionDays: 1 });
  const storedPageViews = await counted(
    `SELECT count(*) AS n FROM page_views WHERE visitor IN (SELECT seq FROM visitors WHERE org = ${key})`,
    idOrg.organizationId,
  );
  const retention = {
    visitors: 0,
    sessions: 0,
    pageViews: storedPageViews,
    written: 0,
    pageViewRows: 0,
    visitorRows: 0,
  };
  for (let i = 0; i < 50; i++) {
    const r = (await drive(worker, "/prune", { now: cronNow(idOrg.day) })) as {
      visitors: number;
      sessions: number;
      retentionRowsWritten: number;
      retentionWritten: Record<string, number>;
    };
    retention.visitors += r.visitors;
    retention.sessions += r.sessions;
    retention.written += r.retentionRowsWritten;
    const w = r.retentionWritten;
    retention.pageViewRows += (w["DELETE page_views"] ?? 0) + (w["DELETE sessions"] ?? 0);
    retention.visitorRows += r.retentionRowsWritten - (w["DELETE page_views"] ?? 0) - (w["DELETE sessions"] ?? 0);
    if (r.visitors === 0 && r.sessions === 0) break;
  }

  const grown = growth(before, during);
  const kept = growth(before, after);
  const groupsDuring = grouped(grown.tables);
  const groupsKept = grouped(kept.tables);
  return {
    measuredAt: new Date().toISOString(),
    profile: {
      visitors: mixed.visitors,
      identified: mixed.identifiedVisitors,
      pageViews: mixed.pageViews,
      identifiedPageViews: mixed.identifiedPageViews,
      hits: mixed.messages.length,
    },
    grown,
    kept,
    byGroup: [...groupsDuring].map(([g, bytes]) => [g, bytes, groupsKept.get(g) ?? 0]),
    charges,
    devices,
    rows: {
      mixed: { written: run.rowsWritten, read: run.rowsRead },
      anonymous: {
        pageViews: anon.pageViews,
        written: anonViews.rowsWritten,
        read: anonViews.rowsRead,
        engagementWritten: anonEngagement.rowsWritten,
      },
      identified: {
        pageViews: ident.identifiedPageViews,
        written: idFirst.rowsWritten + idRepeat.rowsWritten,
        read: idFirst.rowsRead + idRepeat.rowsRead,
        engagementWritten: idEngagement.rowsWritten,
        engagementRead: idEngagement.rowsRead,
        visitors: ident.identifiedVisitors,
        first: {
          pageViews: first.length,
          written: idFirst.rowsWritten,
          read: idFirst.rowsRead,
          receipts: idFirst.written["INSERT charges"] ?? 0,
        },
        repeat: { pageViews: repeat.length, written: idRepeat.rowsWritten, read: idRepeat.rowsRead },
      },
      mirror,
      alone,
      pruneDevices: { rows: pruneDevices.devices, written: pruneDevices.devicesRowsWritten },
      pruneRetention: retention,
    },
    throughput: {
      hits: mixed.messages.length,
      seconds: run.ms / 1000,
      perSecond: mixed.messages.length / (run.ms / 1000),
      bare: bare.rps,
      batches: run.batches,
    },
  };
}
