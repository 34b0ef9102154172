/**
 * The client dashboard and the partner console: the company feed's latency with 100,000
 * visitors in one organization (single client, p95, beside the bare route's in the same run),
 * and what each page weighs on the wire (HTML, and the CSS + JS it loads, gzip -9).
 * Alone: `npm run bench -- --only dashboard` (rewrites only this section of BENCHMARKS.md).
 */
import { gzipSync } from "node:zlib";
import { type LocalWorker, seedOrganization } from "../test/browser/support/worker.ts";
import { bytes, ms } from "./format.ts";
import { send, type Timing, timeSequential } from "./http.ts";
import { seedVisitors } from "./seed.ts";
import { BARE_HOST } from "./workers.ts";

export const DASHBOARD_HEADING = "## Client dashboard and partner console";
/** The issue's budget: JavaScript and CSS per page, gzip. */
const ASSET_BUDGET = 30 * 1024;

export interface PageWeight {
  page: string;
  status: number;
  html: number;
  htmlGzip: number;
  assetsGzip: number;
}

export interface DashboardFigures {
  measuredAt: string;
  visitors: number;
  bare: Timing;
  feed: { name: string; timing: Timing }[];
  pages: { name: string; timing: Timing }[];
  weights: PageWeight[];
  assets: { url: string; raw: number; gzip: number }[];
}

const gzip = (text: string) => gzipSync(Buffer.from(text), { level: 9 }).length;

/** The same-origin stylesheets and scripts a page loads (the dashboard's are Workers Static Assets, assets/ui/). */
function assetUrls(html: string): string[] {
  const tags = html.match(/<(?:link|script)\b[^>]*>/g) ?? [];
  return tags.flatMap((tag) => {
    const url = /\b(?:src|href)="(\/[^"/][^"]*)"/.exec(tag)?.[1];
    const loaded = tag.startsWith("<script") || /\brel="stylesheet"/.test(tag);
    return url && loaded ? [url] : [];
  });
}

/** The session cookie a browser would keep after opening the link. */
async function signIn(url: string): Promise<string> {
  const res = await fetch(url, { redirect: "manual" });
  await res.body?.cancel();
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]);
  if (res.status !== 303 || cookie.length === 0) throw new Error(`sign-in answered ${res.status}`);
  return cookie.join("; ");
}

export async function measureDashboard(
  worker: LocalWorker,
  o: { visitors: number; requests: number; log: (s: string) => void },
): Promise<DashboardFigures> {
  const db = await worker.db();
  const org = await seedOrganization(worker, { importLocal: false });
  o.log(`dashboard: seeding ${o.visitors.toLocaleString("en-US")} visitors`);
  await seedVisitors(db, org.organizationId, o.visitors);

  const link = await org.api<{ dashboardLink: { url: string } }>(
    "POST",
    `/api/v1/partner/organizations/${org.organizationId}/dashboard-links`,
    { email: "bench@client.example", role: "admin" },
  );
  const client = await signIn(link.dashboardLink.url);
  const consoleLink = await org.api<{ consoleLink: { url: string } }>("POST", "/api/v1/partner/console-links", {
    email: "bench@agency.example",
  });
  const staff = await signIn(consoleLink.consoleLink.url);
  const root = `${worker.url}/app/o/${org.organizationId}`;
  const get = (url: string, cookie: string) => ({ url, headers: { cookie } });

  // A cursor halfway down the feed, as the page's own "Next page" links carry it (lib/cursor.ts).
  const middle = await db
    .prepare(
      `SELECT last_seen, seq, id FROM visitors
       WHERE org = (SELECT key FROM organization_keys WHERE organization_id = ?)
       ORDER BY last_seen DESC, seq LIMIT 1 OFFSET ?`,
    )
    .bind(org.organizationId, Math.floor(o.visitors / 2))
    .first<{ last_seen: number; seq: number; id: string }>();
  const cursor = Buffer.from(JSON.stringify([middle!.last_seen, middle!.seq])).toString("base64url");
  const visitorId = `vis_${middle!.id}`;

  o.log("dashboard: timing the bare route and the feed");
  const bare = await timeSequential(o.requests, () => ({ url: `${worker.url}/`, headers: { host: BARE_HOST } }));
  const feed = [];
  for (const [name, query] of [
    ["page 1", ""],
    [`a page halfway down (${(o.visitors / 2).toLocaleString("en-US")} rows in, by cursor)`, `?cursor=${cursor}`],
    ["ICP matches only (none match: the ICP index answers)", "?icp=1"],
    ["industry matching every row", "?industry=Software"],
    ["industry matching none (every row read)", "?industry=Retail"],
    ["search matching one company (the search index answers)", "?q=00012345"],
    ["search matching none (the search index answers)", "?q=zzzz"],
  ] as const) {
    feed.push({ name, timing: await timeSequential(o.requests, () => get(`${root}/companies${query}`, client)) });
  }

  o.log("dashboard: timing and weighing each page");
  const pageUrls: [string, string, string][] = [
    ["overview (30 days)", `${root}`, client],
    ["companies (feed, page 1)", `${root}/companies`, client],
    ["company", `${root}/companies/${visitorId}`, client],
    ["exclusions", `${root}/exclusions`, client],
    ["console", `${worker.url}/app/console`, staff],
    ["sign-in link refused", `${worker.url}/app/sign-in/${"0".repeat(64)}`, ""],
  ];
  const pages = [];
  const weights: PageWeight[] = [];
  const assetCache = new Map<string, { raw: number; gzip: number }>();
  for (const [name, url, cookie] of pageUrls) {
    if (name !== "sign-in link refused")
      pages.push({ name, timing: await timeSequential(Math.min(o.requests, 50), () => get(url, cookie)) });
    const { status, body } = await send(url, { headers: { cookie } });
    let assetsGzip = 0;
    for (const asset of assetUrls(body)) {
      if (!assetCache.has(asset)) {
        const res = await send(`${worker.url}${asset}`);
        if (res.status !== 200) throw new Error(`${name} loads ${asset}, which answered ${res.status}`);
        assetCache.set(asset, { raw: Buffer.byteLength(res.body), gzip: gzip(res.body) });
      }
      assetsGzip += assetCache.get(asset)!.gzip;
    }
    weights.push({ page: name, status, html: Buffer.byteLength(body), htmlGzip: gzip(body), assetsGzip });
  }
  if (assetCache.size === 0) throw new Error("no dashboard page loads a stylesheet or a script: nothing to weigh");
  return {
    measuredAt: new Date().toISOString(),
    visitors: o.visitors,
    bare,
    feed,
    pages,
    weights,
    assets: [...assetCache].map(([url, size]) => ({ url, ...size })),
  };
}

export function dashboardShortfalls(f: DashboardFigures): string[] {
  const p95 = f.feed[0]!.timing.p95ms;
  return p95 > 50 ? [`client dashboard feed, page 1: p95 ${ms(p95)}, goal ≤ 50 ms`] : [];
}

/** The BENCHMARKS.md section. */
export function dashboardSection(f: DashboardFigures): string[] {
  const page1 = f.feed[0]!.timing;
  const heaviest = Math.max(...f.weights.map((w) => w.assetsGzip));
  return [
    DASHBOARD_HEADING,
    "",
    `One organization with ${f.visitors.toLocaleString("en-US")} identified visitors (\`bench/seed.ts\`, last seen a second apart),`,
    "a client admin signed in through a real dashboard link (the session cookie sent with every request). Single",
    `client, sequential requests after 10 warm-up ones; ${page1.n} requests per feed row. Baseline: the bare 204`,
    `route in the same run, p50 ${ms(f.bare.p50ms)}, p95 ${ms(f.bare.p95ms)}. Measured ${f.measuredAt.slice(0, 16).replace("T", " ")} UTC;`,
    "refresh alone with `npm run bench -- --only dashboard`.",
    "",
    "| `GET /app/o/{id}/companies` | p50 | p95 | p95 ÷ bare p95 | goal | statuses |",
    "|---|---:|---:|---:|---|---|",
    ...f.feed.map(
      (r, i) =>
        `| ${i === 0 ? "**page 1**" : r.name} | ${ms(r.timing.p50ms)} | ${i === 0 ? `**${ms(r.timing.p95ms)}**` : ms(r.timing.p95ms)} | ${(r.timing.p95ms / f.bare.p95ms).toFixed(2)} | ${i < 2 ? "p95 ≤ 50 ms" : "–"} | ${JSON.stringify(r.timing.statuses)} |`,
    ),
    "",
    "A page of the feed is a keyset read of `visitors_by_recency` (or `visitors_by_icp`): 26 index entries, each",
    "visitor carrying its company's snapshot, whatever the depth. Filters on company columns (industry, size,",
    "country) read visitors until a page is full: with no match they read the organization's every visitor, which",
    "is the worst case shown. The search reads the organization's terms in the search index (`visitor_search`),",
    "then only the matching visitors. The filter suggestions read the 500 most recently seen visitors.",
    "",
    "Every page, same session (its figures include the session lookup and the organization's credit counter call):",
    "",
    "| page | p50 | p95 | HTML | HTML gzip | CSS + JS gzip (budget 30 KB) |",
    "|---|---:|---:|---:|---:|---:|",
    ...f.weights.map((w) => {
      const t = f.pages.find((p) => p.name === w.page)?.timing;
      return `| ${w.page} (${w.status}) | ${t ? ms(t.p50ms) : "–"} | ${t ? ms(t.p95ms) : "–"} | ${bytes(w.html)} | ${bytes(w.htmlGzip)} | ${bytes(w.assetsGzip)} |`;
    }),
    "",
    `Each page loads the same two hand-written files, Workers Static Assets from \`assets/ui/\` (served before the Worker runs, revalidated by ETag): ${f.assets
      .map((a) => `\`${a.url.split("/").pop()}\` ${bytes(a.raw)} (${bytes(a.gzip)} gzip)`)
      .join(
        ", ",
      )}. The heaviest page's CSS + JS is ${bytes(heaviest)} gzip, ${((heaviest / ASSET_BUDGET) * 100).toFixed(0)}% of the`,
    "30 KB budget. Pages are server-rendered HTML; without the script every page works (the script adds the",
    "chart tooltip and leaves empty filters out of the address).",
    "",
  ];
}
