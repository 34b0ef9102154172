/**
 * `GET …/visitors` with 100,000 and 1,000,000 visitors in one organization: page 1, page 1,000 by OFFSET
 * and by cursor, searches; each statement alone through the D1 binding, and its query plan. Single client,
 * beside the bare route's latency in the same run.
 */
import type { D1Database } from "@cloudflare/workers-types";
import { seedOrganization } from "../test/browser/support/worker.ts";
import type { BenchWorker } from "./bench-worker.ts";
import { int, ms, r2 } from "./format.ts";
import { type Timing, timeSequential } from "./http.ts";
import { log, QUICK } from "./options.ts";
import { NAME_WORDS, seedVisitors } from "./seed.ts";
import { BARE_HOST } from "./workers.ts";

const SIZES = QUICK ? [10_000, 100_000] : [100_000, 1_000_000];
/** The visitors list at 1,000,000 visitors on the commit before the storage model (BENCHMARKS.md of 0777c1b). */
const BEFORE = {
  commit: "0777c1b",
  note: "search was a substring scan over companies and people, with a filtered count(*) of every match",
  atMillion: {
    page1: "10.50 ms",
    page1000: "21.52 ms",
    search: "–",
    countSearch: "668.07 ms",
  } as Record<string, string | undefined>,
};

export interface VisitorFigures {
  size: number;
  page1: Timing;
  page1000: Timing;
  cursor1000: Timing;
  search: { name: string; timing: Timing }[];
  plan: string[];
  cursorPlan: string[];
  searchPlan: string[];
  countPlan: string[];
  sql: { page1000: number; count: number; countNoJoin: number; countSearch: number; select1: number };
}

export interface VisitorsListFigures {
  /** The bare route, timed the same way (single client). */
  bare: Timing;
  sizes: VisitorFigures[];
}

/** Median time of a statement run 5 times through the D1 binding (Node ↔ workerd included). */
async function timeSql(db: D1Database, sql: string, ...args: unknown[]): Promise<number> {
  const times: number[] = [];
  for (let k = 0; k < 5; k++) {
    const t0 = performance.now();
    await db
      .prepare(sql)
      .bind(...args)
      .all();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[2]!;
}

async function explain(db: D1Database, sql: string, ...args: unknown[]): Promise<string[]> {
  const { results } = await db
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...args)
    .all<{ detail: string }>();
  return results.map((r) => r.detail);
}

async function measureSize(b: BenchWorker, size: number): Promise<VisitorFigures> {
  const { db, worker } = b;
  const o = await seedOrganization(worker, { importLocal: false });
  log(`seeding ${int(size)} visitors`);
  const s0 = Date.now();
  await seedVisitors(db, o.organizationId, size);
  log(`seeded in ${((Date.now() - s0) / 1000).toFixed(1)} s; timing GET …/visitors`);
  const base = `${worker.url}/api/v1/partner/organizations/${o.organizationId}/visitors?pageSize=20`;
  const url = (page: number) => `${base}&page=${page}`;
  const headers = { "x-partner-api-key": o.partnerKey };
  const n = QUICK ? 30 : 100;
  const page1 = await timeSequential(n, () => ({ url: url(1), headers }));
  const page1000 = await timeSequential(n, () => ({ url: url(1000), headers }));
  // The cursor the API answers for the page after 19,980 rows: page 1,000 by keyset (in --quick's smaller
  // organizations, the last row's).
  const key = "(SELECT key FROM organization_keys WHERE organization_id = ?)";
  const offset = Math.min(19_979, size - 1);
  const deep = (await db
    .prepare(
      `SELECT last_seen, seq FROM visitors WHERE org = ${key} ORDER BY last_seen DESC, seq LIMIT 1 OFFSET ${offset}`,
    )
    .bind(o.organizationId)
    .first<{ last_seen: number; seq: number }>())!;
  const cursor = Buffer.from(JSON.stringify([deep.last_seen, deep.seq])).toString("base64url");
  const cursor1000 = await timeSequential(n, () => ({ url: `${base}&cursor=${cursor}`, headers }));
  // Names are `Bench W<n % 50> Co <n>`: one word matches one visitor, another one in 50.
  const searches: [string, string][] = [
    ["one company", `${String(Math.floor(size / 2)).padStart(8, "0")}`],
    [`one in ${NAME_WORDS} (${int(size / NAME_WORDS)} visitors)`, "w7"],
    ["none", "zzzz"],
  ];
  const search = [];
  for (const [name, q] of searches) {
    search.push({ name, timing: await timeSequential(n, () => ({ url: `${base}&search=${q}`, headers })) });
  }
  const pageQuery = `SELECT v.* FROM visitors v WHERE v.org = ${key} ORDER BY v.last_seen DESC, v.seq LIMIT 20 OFFSET 19980`;
  const plan = await explain(db, pageQuery, o.organizationId);
  const cursorPlan = await explain(
    db,
    `SELECT v.* FROM visitors v WHERE v.org = ${key} AND v.last_seen <= ? AND (v.last_seen < ? OR v.seq > ?)
       ORDER BY v.last_seen DESC, v.seq LIMIT 21`,
    o.organizationId,
    deep.last_seen,
    deep.last_seen,
    deep.seq,
  );
  const searchPlan = await explain(
    db,
    `SELECT v.* FROM visitors v WHERE +v.org = ${key} AND v.seq IN (SELECT rowid FROM visitor_search
         WHERE visitor_search MATCH replace('"k#zw7"*', '#', ${key})) ORDER BY v.last_seen DESC, v.seq LIMIT 21`,
    o.organizationId,
    o.organizationId,
  );
  const totalQuery = "SELECT visitors FROM organization_keys WHERE organization_id = ?";
  const countPlan = await explain(db, totalQuery, o.organizationId);
  // Where the time goes: each statement alone, through the D1 binding (median of 5).
  const pageSql = await timeSql(db, pageQuery, o.organizationId);
  // The unfiltered total is the consumer's running count; filtered totals count matches up to 10,000.
  const countSql = await timeSql(db, totalQuery, o.organizationId);
  const select1 = await timeSql(db, "SELECT 1");
  const countBare = await timeSql(
    db,
    `SELECT count(*) AS total FROM (SELECT 1 FROM visitors v WHERE v.org = ${key} AND v.last_seen >= 0 LIMIT 10000)`,
    o.organizationId,
  );
  const countSearch = await timeSql(
    db,
    `SELECT count(*) AS n FROM (SELECT 1 FROM visitor_search
         WHERE visitor_search MATCH replace('"k#zzzzz"*', '#', ${key}) LIMIT 10000)`,
    o.organizationId,
  );
  return {
    size,
    page1,
    page1000,
    cursor1000,
    search,
    plan,
    cursorPlan,
    searchPlan,
    countPlan,
    sql: { page1000: pageSql, count: countSql, countNoJoin: countBare, countSearch, select1 },
  };
}

export async function measureVisitorsList(b: BenchWorker): Promise<VisitorsListFigures> {
  // D1 runs one query at a time: let the counter's outbox flushes (alarms) and the consumer finish first.
  await b.quiesce();
  const bare = await timeSequential(QUICK ? 50 : 200, () => ({
    url: `${b.worker.url}/`,
    headers: { host: BARE_HOST },
  }));
  const sizes: VisitorFigures[] = [];
  for (const size of SIZES) sizes.push(await measureSize(b, size));
  return { bare, sizes };
}

export function visitorsListShortfalls(f: VisitorsListFigures): string[] {
  const short: string[] = [];
  for (const v of f.sizes) {
    if (v.size < 1_000_000) continue;
    for (const [name, t] of [
      ["page 1", v.page1],
      ["page 1,000", v.page1000],
    ] as const) {
      if (t.p95ms > 25)
        short.push(`GET …/visitors ${name} with ${int(v.size)} visitors: p95 ${ms(t.p95ms)}, goal ≤ 25 ms`);
    }
    for (const [name, t] of [
      ["page 1,000 by cursor", v.cursor1000] as const,
      ...v.search.map((s) => [`search matching ${s.name}`, s.timing] as const),
    ]) {
      if (t.p95ms > 50)
        short.push(`GET …/visitors ${name} with ${int(v.size)} visitors: p95 ${ms(t.p95ms)}, goal ≤ 50 ms`);
    }
  }
  return short;
}

export function visitorsListSection(f: VisitorsListFigures): string[] {
  const vis = f.sizes;
  const big = vis.at(-1)!;
  const small = vis[0]!;
  return [
    "## GET …/visitors (page numbers, cursors and search; 20 per page)",
    "",
    "Visitors written straight into the local D1 with `INSERT … SELECT` over a recursive CTE (`bench/seed.ts`) the",
    "way the consumer keeps them (the visitor row with its company snapshot, its search terms), one organization,",
    `last seen one second apart; names \`Bench W<n mod ${NAME_WORDS}> Co <n>\`. Single client, ${small.page1.n} requests each. Baseline: the`,
    `bare route, same method: p50 ${ms(f.bare.p50ms)}, p95 ${ms(f.bare.p95ms)}. "Before" is the same request measured on commit`,
    `${BEFORE.commit} (${BEFORE.note}).`,
    "",
    "| visitors in the organization | request | p50 | p95 | p95 ÷ bare p95 | before (p95) | statuses |",
    "|---:|---|---:|---:|---:|---:|---|",
    ...vis.flatMap((v) => {
      const before = v.size === 1_000_000 ? BEFORE.atMillion : {};
      const row = (name: string, t: Timing, was?: string) =>
        `| ${int(v.size)} | ${name} | ${ms(t.p50ms)} | ${ms(t.p95ms)} | ${r2(t.p95ms / f.bare.p95ms)} | ${was ?? "–"} | ${JSON.stringify(t.statuses)} |`;
      return [
        row("page 1", v.page1, before.page1),
        row("page 1,000 (`page=1000`, OFFSET)", v.page1000, before.page1000),
        row("page 1,000 by cursor (`cursor=`)", v.cursor1000),
        ...v.search.map((s) => row(`search matching ${s.name}`, s.timing, before.search)),
      ];
    }),
    "",
    "`EXPLAIN QUERY PLAN` of page 1,000 by OFFSET and by cursor, of a search, and of the unfiltered `total`:",
    "",
    "```",
    ...big.plan.map((l) => `offset: ${l}`),
    ...big.cursorPlan.map((l) => `cursor: ${l}`),
    ...big.searchPlan.map((l) => `search: ${l}`),
    ...big.countPlan.map((l) => `total:  ${l}`),
    "```",
    "",
    "The page query walks `visitors_by_recency (org, last_seen DESC)` in order (no sort): by OFFSET it reads",
    "OFFSET + 20 entries (page 1,000 reads 20,000), by cursor it starts at the cursor and reads 21. A search",
    "first counts the organization's matching terms in `visitor_search` (FTS5; each token carries the organization's",
    "key) up to 10,000: that is its `total`. Up to 1,000 matches it reads those visitors only (the plan shown);",
    "past that it walks the recency index, where a page of matches comes soon. The unfiltered `total` is one row",
    "(the consumer's running count); other filters count matches up to 10,000. Each statement alone, through Miniflare's D1 binding",
    "from Node (median of 5; `SELECT 1` shows what the Node ↔ workerd hop alone costs):",
    "",
    "| visitors | `SELECT 1` | page 1,000 query | total, unfiltered (running count) | total, date filter (≤ 10,000) | total, search matching none | before: total, search |",
    "|---:|---:|---:|---:|---:|---:|---:|",
    ...vis.map(
      (v) =>
        `| ${int(v.size)} | ${ms(v.sql.select1)} | ${ms(v.sql.page1000)} | ${ms(v.sql.count)} | ${ms(v.sql.countNoJoin)} | ${ms(v.sql.countSearch)} | ${v.size === 1_000_000 ? BEFORE.atMillion.countSearch : "–"} |`,
    ),
    "",
  ];
}
