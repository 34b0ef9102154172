/**
 * What the hits pipeline keeps and writes, measured on a realistic day of traffic run through the
 * real queue consumer (bench/driver/consumer.ts: the product's consumer in the same workerd, D1
 * metered). Alone: `npm run bench -- --only storage` (rewrites this section of BENCHMARKS.md and
 * bench/results/unit-costs.json, which the scale simulation reads).
 *
 * The traffic profile: 2,000 visitors (one device each: an address and a browser) × 3 page views,
 * each page view followed by its engagement hit, spread over one UTC day; 30 % of the visitors
 * come from addresses of imported companies (each company its own, the worst case for what is kept
 * per page view), the rest from addresses nobody imported. Batches of 100 messages in arrival order,
 * as the queue delivers them.
 *
 * Bytes come from the SQLite files themselves (node:sqlite on the local state, `dbstat` per table and
 * index): D1's one file and the organization's credit counter (a Durable Object with its own SQLite).
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { V4WorkerOptions } from "miniflare";
import { bundleForWorkerd, type LocalWorker, seedOrganization } from "../test/browser/support/worker.ts";
import { wrk } from "./wrk.ts";
import { BARE_HOST } from "./workers.ts";

export const STORAGE_HEADING = "## Storage and writes per page view (the hits consumer)";
export const DRIVER_HOST = "consumer.bench";
const DAY_MS = 86_400_000;
const BATCH = 100;

const UAS = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
  "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
];
const PATHS = [
  "/",
  "/pricing",
  "/features",
  "/features/analytics",
  "/features/integrations",
  "/customers",
  "/customers/harborline",
  "/blog",
  "/blog/visitor-identification-guide",
  "/blog/b2b-intent-data",
  "/blog/gdpr-and-analytics",
  "/docs",
  "/docs/getting-started",
  "/docs/api",
  "/about",
  "/careers",
  "/contact",
  "/demo",
  "/security",
  "/integrations/hubspot",
  "/integrations/salesforce",
  "/compare/competitor-a",
  "/resources/webinar-2026",
  "/legal/privacy",
];
const REFERRERS = [
  null,
  null,
  "https://www.google.com/",
  "https://www.google.com/",
  "https://www.linkedin.com/",
  "https://news.ycombinator.com/",
  "https://duckduckgo.com/",
];
const INDUSTRIES = ["Software", "Financial Services", "Transportation & Logistics", "Healthcare", "Manufacturing"];
const EMPLOYEES = ["11-50", "51-200", "201-500", "1001-5000", "5001-10000"];
const REVENUE = ["$1M-$10M", "$10M-$50M", "$50M-$100M", "$500M-$1B"];
const PLACES: [string, string, string][] = [
  ["US", "California", "San Francisco"],
  ["US", "New York", "New York"],
  ["GB", "England", "London"],
  ["DE", "Bavaria", "Munich"],
  ["US", "Illinois", "Chicago"],
];

/** mulberry32: the same profile on every run. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Message {
  id: string;
  body: Record<string, unknown> & { receivedAt: number };
  attempts: number;
}

interface Profile {
  messages: Message[];
  pageViews: number;
  identifiedPageViews: number;
  engagements: number;
  visitors: number;
  identifiedVisitors: number;
  companies: { name: string; domain: string; ipRanges: string[] }[];
}

/**
 * The profile's messages, as the edge enqueues them, in arrival order. `only` keeps the anonymous or
 * the identified visitors' hits; `engagements: false` leaves the engagement hits out.
 */
function profile(
  o: { organizationId: string; partnerId: string; pixelKey: string; day: number; visitors: number; seed: number },
  only?: "anonymous" | "identified",
): Profile {
  const rand = random(o.seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)]!;
  const zipfPath = () => PATHS[Math.min(PATHS.length - 1, Math.floor(PATHS.length * rand() ** 2.2))];
  const start = o.day * DAY_MS + 6 * 3600_000;
  const messages: Message[] = [];
  const companies: Profile["companies"] = [];
  let pageViews = 0;
  let identifiedPageViews = 0;
  let engagements = 0;
  let visitors = 0;
  for (let v = 0; v < o.visitors; v++) {
    const identified = v % 10 < 3; // 30 %
    const ip = identified
      ? `10.${60 + (v >> 16)}.${(v >> 8) & 255}.${v & 255}`
      : `172.${16 + (v >> 16)}.${(v >> 8) & 255}.${v & 255}`;
    if (identified) {
      const [country, region, city] = pick(PLACES);
      companies.push({
        name: `Bench Visitor ${v} ${pick(["Logistics", "Software", "Health", "Capital", "Systems"])}`,
        domain: `visitor-${v}-${o.seed}.example`,
        industry: pick(INDUSTRIES),
        employeeRange: pick(EMPLOYEES),
        revenueRange: pick(REVENUE),
        country,
        region,
        city,
        linkedinUrl: `https://www.linkedin.com/company/visitor-${v}`,
        ipRanges: [`${ip}/32`],
      } as Profile["companies"][number]);
    }
    if ((only === "anonymous" && identified) || (only === "identified" && !identified)) continue;
    visitors += 1;
    const userAgent = pick(UAS);
    const [country, region, city] = pick(PLACES);
    let at = start + Math.floor(rand() * 14 * 3600_000);
    const referrer = pick(REFERRERS);
    const campaign = rand() < 0.2;
    let previous: string | null = null;
    for (let p = 0; p < 3; p++) {
      const path = p === 0 && campaign ? "/pricing" : zipfPath();
      const url = `https://www.client.example${path}${p === 0 && campaign ? "?utm_source=newsletter&utm_medium=email&utm_campaign=winter" : ""}`;
      const id = crypto.randomUUID();
      const base = {
        kind: "hit",
        organizationId: o.organizationId,
        shard: 1, // seedOrganization places its partner on shard 1
        partnerId: o.partnerId,
        productType: "B2B",
        ip,
        userAgent,
        country,
        region,
        city,
        bot: false,
        hashRouting: false,
      };
      const r = p === 0 ? referrer : previous;
      messages.push({
        id: `m-${id}`,
        attempts: 1,
        body: { ...base, hit: { k: o.pixelKey, t: "v", i: id, u: url, w: 1280, ...(r ? { r } : {}) }, receivedAt: at },
      });
      pageViews += 1;
      if (identified) identifiedPageViews += 1;
      const dwell = 5_000 + Math.floor(rand() * 115_000);
      const engagement = crypto.randomUUID();
      messages.push({
        id: `m-${engagement}`,
        attempts: 1,
        body: {
          ...base,
          hit: {
            k: o.pixelKey,
            t: "e",
            i: engagement,
            u: url,
            p: id,
            s: Math.round(dwell / 1000),
            d: 10 + Math.floor(rand() * 90),
          },
          receivedAt: at + dwell,
        },
      });
      engagements += 1;
      previous = url;
      at += dwell + 2_000 + Math.floor(rand() * 20_000);
    }
  }
  messages.sort((a, b) => a.body.receivedAt - b.body.receivedAt);
  return {
    messages,
    pageViews,
    identifiedPageViews,
    engagements,
    visitors,
    identifiedVisitors: only === "anonymous" ? 0 : companies.length,
    companies,
  };
}

/** The bench-only consumer driver, bundled with the product code it drives. */
export async function consumerDriverWorker(root: string): Promise<V4WorkerOptions> {
  const contents = await bundleForWorkerd(join(root, "bench/driver/consumer.ts"));
  return {
    compatibilityDate: "2026-11-01",
    name: "bench-consumer",
    modules: [{ type: "ESModule", path: join(root, "bench/driver/consumer.js"), contents }],
    d1Databases: {
      CATALOG: "00000000-0000-0000-0000-000000000010",
      TENANT_1: "00000000-0000-0000-0000-000000000011",
      TENANT_2: "00000000-0000-0000-0000-000000000012",
    },
    durableObjects: { CREDITS: { className: "CreditCounter", scriptName: "sightline" } },
    queueProducers: { WEBHOOKS: "sightline-webhooks", JOBS: "sightline-jobs" },
    routes: [`${DRIVER_HOST}/*`],
  } as V4WorkerOptions;
}

interface RunAnswer {
  ms: number;
  batches: number;
  rowsWritten: number;
  rowsRead: number;
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

interface FileSize {
  /** page_count × page_size: the file. */
  bytes: number;
  /** Pages in use (the file less its free list). */
  used: number;
  /** Bytes per table or index (dbstat: pages in use by it). */
  tables: Record<string, number>;
}

async function sqliteFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".sqlite")) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

function measureFile(path: string): FileSize {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const pragma = (name: string) => (db.prepare(`PRAGMA ${name}`).get() as Record<string, number>)[name]!;
    const pageSize = pragma("page_size");
    const pages = pragma("page_count");
    const free = pragma("freelist_count");
    const rows = db.prepare("SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name").all() as {
      name: string;
      bytes: number;
    }[];
    return {
      bytes: pages * pageSize,
      used: (pages - free) * pageSize,
      tables: Object.fromEntries(rows.map((r) => [r.name, r.bytes])),
    };
  } finally {
    db.close();
  }
}

/** The D1 databases' files (catalog and every shard, added up), and every credit counter's (one SQLite file per Durable Object). */
async function snapshot(worker: LocalWorker) {
  const files = await sqliteFiles(worker.persist);
  const objects = files.filter((f) => !f.endsWith("metadata.sqlite"));
  const d1 = objects.filter((f) => f.includes("D1DatabaseObject"));
  const counters = objects.filter((f) => f.includes("CreditCounter"));
  if (d1.length !== 3) throw new Error(`expected the catalog's and two shards' D1 files, found ${d1.length}`);
  const counterSizes = await Promise.all(
    counters.map(async (f) => ({ f, size: measureFile(f), mtime: (await stat(f)).mtimeMs })),
  );
  const total: FileSize = { bytes: 0, used: 0, tables: {} };
  for (const size of d1.map(measureFile)) {
    total.bytes += size.bytes;
    total.used += size.used;
    for (const [name, bytes] of Object.entries(size.tables)) total.tables[name] = (total.tables[name] ?? 0) + bytes;
  }
  return { d1: total, counters: new Map(counterSizes.map((c) => [c.f, c.size])) };
}

type Snapshot = Awaited<ReturnType<typeof snapshot>>;

const growth = (before: Snapshot, after: Snapshot) => {
  const tables: Record<string, number> = {};
  for (const [name, bytes] of Object.entries(after.d1.tables)) tables[name] = bytes - (before.d1.tables[name] ?? 0);
  let counters = 0;
  for (const [file, size] of after.counters) counters += size.used - (before.counters.get(file)?.used ?? 0);
  return { d1: after.d1.used - before.d1.used, d1File: after.d1.bytes - before.d1.bytes, tables, counters };
};

/** Groups of D1 tables and indexes, as the report shows them. */
const GROUPS: [string, RegExp][] = [
  ["visitors (row, indexes, search terms)", /^(visitors|visitors_by_|sqlite_autoindex_visitors|visitor_search)/],
  ["sessions", /^(sessions|sessions_by_)/],
  ["page views", /^page_views/],
  ["receipts of charges", /^charges/],
  ["device rows (deleted the day after)", /^device_days/],
  ["daily rollups", /^usage_daily/],
  [
    "ledger mirror (ledger_entries, organization_periods)",
    /^(ledger_entries|organization_periods|sqlite_autoindex_ledger)/,
  ],
  ["organization key", /^(organization_keys|sqlite_autoindex_organization_keys)/],
];

function grouped(tables: Record<string, number>) {
  const out = new Map<string, number>(GROUPS.map(([g]) => [g, 0]));
  let other = 0;
  for (const [name, bytes] of Object.entries(tables)) {
    const group = GROUPS.find(([, re]) => re.test(name));
    if (group) out.set(group[0], out.get(group[0])! + bytes);
    else other += bytes;
  }
  out.set("everything else", other);
  return out;
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
    };
    pruneDevices: { rows: number; written: number };
    pruneRetention: { visitors: number; sessions: number; written: number };
  };
  throughput: { hits: number; seconds: number; perSecond: number; bare: number; batches: number };
}

async function organizationOf(worker: LocalWorker) {
  const org = await seedOrganization(worker, { credits: 1_000_000, poolTotal: 50_000_000, importLocal: false });
  const db = await worker.db();
  const partnerId = (await db
    .prepare("SELECT partner_id AS id FROM organizations WHERE id = ?")
    .bind(org.organizationId)
    .first<{ id: string }>())!.id;
  return { ...org, partnerId };
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

export async function measureStorage(
  worker: LocalWorker,
  o: { visitors: number; log: (s: string) => void; bareSeconds: number },
): Promise<StorageFigures> {
  const db = await worker.db();
  const day = Math.floor(Date.now() / DAY_MS) - 2; // two days ago: the cron may delete that day's device rows

  // ------------------------------------------------------------ the whole profile, one organization
  const org = await organizationOf(worker);
  const mixed = profile({ ...org, day, visitors: o.visitors, seed: 7 });
  o.log(
    `storage: importing ${mixed.companies.length} companies, then ${mixed.messages.length} hits through the consumer`,
  );
  await importCompanies(worker, mixed.companies);
  const before = await snapshot(worker);
  const run = await consume(worker, mixed.messages);
  await ledgerMirrored(worker, org.organizationId, mixed.identifiedVisitors);
  const during = await snapshot(worker);
  const key = "(SELECT key FROM organization_keys WHERE organization_id = ?)";
  const counted = async (sql: string) =>
    (await db.prepare(sql).bind(org.organizationId).first<{ n: number }>())?.n ?? 0;
  const charges = await counted(`SELECT count(*) AS n FROM charges WHERE org = ${key}`);
  const devices = await counted(`SELECT count(*) AS n FROM device_days WHERE org = ${key}`);
  o.log(`storage: ${charges} charges, ${devices} device rows; running the cron's device-row pruning`);
  const pruneDevices = (await drive(worker, "/prune", { now: Date.now() })) as {
    devices: number;
    devicesRowsWritten: number;
  };
  const after = await snapshot(worker);

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
  const anon = profile({ ...anonOrg, day, visitors: o.visitors, seed: 11 }, "anonymous");
  const anonViews = await consume(
    worker,
    anon.messages.filter((m) => (m.body.hit as { t: string }).t === "v"),
  );
  const anonEngagement = await consume(
    worker,
    anon.messages.filter((m) => (m.body.hit as { t: string }).t === "e"),
  );
  const idOrg = await organizationOf(worker);
  const ident = profile({ ...idOrg, day, visitors: o.visitors, seed: 13 }, "identified");
  await importCompanies(worker, ident.companies);
  const idViews = await consume(
    worker,
    ident.messages.filter((m) => (m.body.hit as { t: string }).t === "v"),
  );
  const idEngagement = await consume(
    worker,
    ident.messages.filter((m) => (m.body.hit as { t: string }).t === "e"),
  );

  // ------------------------------------------------------------ what the retention sweep writes to remove a story
  o.log("storage: the retention sweep removing the identified visitors' stories");
  await worker.admin("PUT", `/api/v1/admin/partners/${idOrg.partnerId}`, { retentionDays: 1 });
  const retention = { visitors: 0, sessions: 0, written: 0 };
  for (let i = 0; i < 50; i++) {
    const r = (await drive(worker, "/prune", { now: Date.now() })) as {
      visitors: number;
      sessions: number;
      retentionRowsWritten: number;
    };
    retention.visitors += r.visitors;
    retention.sessions += r.sessions;
    retention.written += r.retentionRowsWritten;
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
        written: idViews.rowsWritten,
        read: idViews.rowsRead,
        engagementWritten: idEngagement.rowsWritten,
        engagementRead: idEngagement.rowsRead,
        visitors: ident.identifiedVisitors,
      },
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
