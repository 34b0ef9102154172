/**
 * Issue 10's "done when", checked on `npm start` itself: the traffic profile (bench/traffic-profile.ts)
 * sent to a running `npm start` through its public edge (`POST /e`), then what it grew in the local
 * SQLite files per page view (.wrangler/state, bench/sqlite-files.ts) and what the partner API reads back.
 *
 *   npm start              # one terminal (a fresh clone: npm install && npm start)
 *   npm run bench:live     # another; SIGHTLINE_URL=http://localhost:8788 for another server
 *
 * The hits arrive as a client's first-party proxy forwards them (docs/first-party.md): `wrangler dev`
 * gives every request the caller's own address, so each visitor's address travels signed in
 * `X-Client-Address`. Each run creates its own partner and organization; the seeded demo is untouched.
 * Exits 1 when a figure misses its goal or the partner API reads back something else than was sent.
 */
import { join } from "node:path";
import { readDevVars, ROOT } from "../scripts/lib.ts";
import { client } from "../scripts/seed-demo.ts";
import { forwardingHeaders } from "../test/worker/support/first-party-signature.ts";
import { growth, grouped, snapshot, type Snapshot } from "./sqlite-files.ts";
import { DAY_MS, type Message, profile } from "./traffic-profile.ts";

const BASE = process.env.SIGHTLINE_URL ?? `http://localhost:${process.env.PORT || 8787}`;
const STATE = join(ROOT, ".wrangler", "state", "v3");
const GOAL_BYTES_PER_PAGE_VIEW = 100;
const IN_FLIGHT = 16;
const DRAIN_TIMEOUT_MS = 300_000;

const log = (s: string) => console.log(`[live] ${s}`);
function fail(message: string): never {
  console.error(`[live] ${message}`);
  process.exit(1);
}

const adminKey = process.env.ADMIN_API_KEY || readDevVars().ADMIN_API_KEY;
if (!adminKey) fail("no operator key: set ADMIN_API_KEY or run `npm start` once (it writes .dev.vars)");
try {
  if (!(await fetch(`${BASE}/health`)).ok) throw new Error("not healthy");
} catch {
  fail(`nothing answers ${BASE}/health: start the server first (npm start), or set SIGHTLINE_URL`);
}

// ------------------------------------------------------------------ a partner and a client of its own
const admin = client(BASE, { "x-admin-api-key": adminKey });
const slug = `live-profile-${Date.now().toString(36)}`;
const { partner, plainKey } = await admin<{ partner: { id: string }; plainKey: string }>(
  "POST",
  "/api/v1/admin/partners",
  { name: `Live profile ${slug}`, slug, billingMode: "credit_pool", creditPoolTotal: 50_000_000 },
);
const api = client(BASE, { "x-partner-api-key": plainKey });
const { organization } = await api<{ organization: { id: string } }>("POST", "/api/v1/partner/organizations", {
  name: "Live profile client",
  tier: "paid",
  initialCredits: 1_000_000,
  productType: "B2B",
});
const orgPath = `/api/v1/partner/organizations/${organization.id}`;
const { pixel } = await api<{ pixel: { apiKey: string } }>("GET", `${orgPath}/pixel`);
const { proxySecret } = await api<{ proxySecret: { secret: string } }>("POST", `${orgPath}/pixel/proxy-secret`);

const day = Math.floor(Date.now() / DAY_MS);
const traffic = profile({
  organizationId: organization.id,
  partnerId: partner.id,
  pixelKey: pixel.apiKey,
  day,
  visitors: 2_000,
  seed: 7,
});
log(`partner ${partner.id}, organization ${organization.id}: importing ${traffic.companies.length} companies`);
for (let k = 0; k < traffic.companies.length; k += 500)
  await admin("POST", "/api/v1/admin/companies", traffic.companies.slice(k, k + 500));

// ------------------------------------------------------------------ the hits, through the edge
const before = await snapshot(STATE);
/**
 * The edge's budgets per clock minute (wrangler.toml): hits per pixel key (`PIXEL_LIMITER`, 6,000) and
 * distinct addresses one proxy address vouches for (`FORWARDED_LIMITER`, 1,000). All of the profile goes
 * through one key from one proxy (this machine), so it is sent within them, a little below each.
 */
const PER_MINUTE = { hits: 5_800, addresses: 950 };
let minute = { at: 0, hits: 0, addresses: new Set<string>() };
async function withinBudget(ip: string): Promise<void> {
  for (;;) {
    const now = Math.floor(Date.now() / 60_000);
    if (minute.at !== now) minute = { at: now, hits: 0, addresses: new Set() };
    const newAddress = !minute.addresses.has(ip);
    if (minute.hits < PER_MINUTE.hits && (!newAddress || minute.addresses.size < PER_MINUTE.addresses)) {
      minute.hits += 1;
      minute.addresses.add(ip);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, (now + 1) * 60_000 - Date.now() + 50));
  }
}

async function send(message: Message): Promise<number> {
  const { hit, ip, userAgent } = message.body;
  const body = JSON.stringify(hit);
  await withinBudget(ip);
  const response = await fetch(`${BASE}/e`, {
    method: "POST",
    headers: {
      "content-type": "text/plain;charset=UTF-8",
      origin: "https://www.client.example",
      "user-agent": userAgent,
      ...(await forwardingHeaders(proxySecret.secret, ip, { pixelKey: hit.k, body })),
    },
    body,
  });
  await response.arrayBuffer();
  return response.status;
}
log(`sending ${traffic.messages.length} hits to ${BASE}/e, ${IN_FLIGHT} at a time, in the profile's order`);
const statuses = new Map<number, number>();
/** Each visitor's previous hit: a browser sends the next one after it, so the edge sees them in order. */
const previous = new Map<string, Promise<unknown>>();
const started = Date.now();
let next = 0;
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    while (next < traffic.messages.length) {
      const message = traffic.messages[next++]!;
      const sent = (previous.get(message.body.ip) ?? Promise.resolve()).then(() => send(message));
      previous.set(message.body.ip, sent);
      const status = await sent;
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  }),
);
const sentSeconds = (Date.now() - started) / 1000;
log(`sent in ${sentSeconds.toFixed(1)} s: ${JSON.stringify(Object.fromEntries(statuses))}`);
if ([...statuses.keys()].some((s) => s !== 204 && s !== 202)) fail("the edge refused hits (see the statuses above)");

// ------------------------------------------------------------------ until the consumer has stored everything
const today = new Date(day * DAY_MS).toISOString().slice(0, 10);
async function stored() {
  const usage = await api<{ totalEvents: number; totalQuantity: number }>(
    "GET",
    `/api/v1/partner/usage?startDate=${today}&endDate=${today}`,
  );
  return usage.totalEvents >= traffic.pageViews && usage.totalQuantity >= traffic.identifiedVisitors;
}
/** Page views and charges counted, then nothing moving in the files for 3 s (engagements, ledger mirror). */
async function drained(): Promise<Snapshot> {
  const until = Date.now() + DRAIN_TIMEOUT_MS;
  let last = "";
  let quiet = 0;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1_000));
    if (!(await stored())) continue;
    const now = await snapshot(STATE);
    const sizes = JSON.stringify([now.d1.used, [...now.counters.values()].map((c) => c.used)]);
    quiet = sizes === last ? quiet + 1 : 0;
    last = sizes;
    if (quiet >= 3) return now;
  }
  fail(`the queue consumer had not stored the profile after ${DRAIN_TIMEOUT_MS / 1000} s`);
}
const after = await drained();
log(`stored ${((Date.now() - started) / 1000).toFixed(1)} s after the first hit`);

// ------------------------------------------------------------------ what the partner API reads back
type Visitor = {
  company: { name: string } | null;
  engagement: { sessions: number; pageViews: number; totalTimeSeconds: number };
  pages: { landingPage: string | null };
};
const visitors: Visitor[] = [];
for (let page = 1; ; page++) {
  const list = await api<{ visitors: Visitor[]; total: number }>(
    "GET",
    `${orgPath}/visitors?pageSize=100&page=${page}`,
  );
  visitors.push(...list.visitors);
  if (list.visitors.length < 100) break;
}
const expected = new Map<string, { pageViews: number; seconds: number; landing: string | null }>();
const companyOf = new Map(traffic.companies.map((c) => [c.ipRanges[0]!.replace("/32", ""), c.name]));
for (const m of traffic.messages) {
  const { ip, hit } = m.body;
  const name = companyOf.get(ip);
  if (!name) continue;
  const e = expected.get(name) ?? { pageViews: 0, seconds: 0, landing: null };
  if (hit.t === "v") {
    e.pageViews += 1;
    e.landing ??= new URL(hit.u).pathname;
  } else e.seconds += hit.s ?? 0;
  expected.set(name, e);
}
const wrong = visitors.filter((v) => {
  const e = v.company && expected.get(v.company.name);
  return (
    !e ||
    v.engagement.pageViews !== e.pageViews ||
    v.engagement.totalTimeSeconds !== e.seconds ||
    v.engagement.sessions !== 1 ||
    v.pages.landingPage !== e.landing
  );
});
const receipts = await api<{ total: number; counts: { byReason: Record<string, number> } }>(
  "GET",
  `${orgPath}/receipts?pageSize=1`,
);
const { organization: credits } = await api<{ organization: { creditsUsed: number } }>("GET", orgPath);

// ------------------------------------------------------------------ the figures
const grown = growth(before, after);
const groups = grouped(grown.tables);
const devices = groups.get("device rows (deleted the day after)") ?? 0;
const perPageView = (bytes: number) => bytes / traffic.pageViews;
const kept = perPageView(grown.d1 + grown.counters - devices);
const lines = [
  `profile: ${traffic.visitors} visitors, ${traffic.pageViews} page views + ${traffic.engagements} engagement hits, ${traffic.identifiedVisitors} visitors from imported companies`,
  `storage grown per page view, D1 (catalog + shards) and credit counters: ${perPageView(grown.d1 + grown.counters).toFixed(1)} B`,
  `  of which today's device rows (the cron deletes a day's rows the day after): ${perPageView(devices).toFixed(1)} B`,
  `  kept once they are gone: ${kept.toFixed(1)} B (goal ≤ ${GOAL_BYTES_PER_PAGE_VIEW} B)`,
  ...[...groups].map(([group, bytes]) => `    ${group}: ${perPageView(bytes).toFixed(1)} B`),
  `    credit counters (Durable Object SQLite): ${perPageView(grown.counters).toFixed(1)} B`,
  `partner API: ${visitors.length} identified visitors (expected ${traffic.identifiedVisitors}), ${visitors.length - wrong.length} with exactly the page views, time on pages, session and landing page sent`,
  `partner API: ${receipts.total} receipts (charged ${receipts.counts.byReason.charged ?? 0}), ${credits.creditsUsed} credits used (expected ${traffic.identifiedVisitors})`,
];
for (const line of lines) log(line);

const misses = [
  kept > GOAL_BYTES_PER_PAGE_VIEW && `kept ${kept.toFixed(1)} B per page view, goal ≤ ${GOAL_BYTES_PER_PAGE_VIEW} B`,
  visitors.length !== traffic.identifiedVisitors && `${visitors.length} visitors listed`,
  wrong.length > 0 && `${wrong.length} visitors read back differently, e.g. ${JSON.stringify(wrong[0])}`,
  receipts.total !== traffic.identifiedVisitors && `${receipts.total} receipts`,
  credits.creditsUsed !== traffic.identifiedVisitors && `${credits.creditsUsed} credits used`,
].filter((m): m is string => typeof m === "string");
if (misses.length > 0) fail(`short: ${misses.join("; ")}`);
log("met: storage per page view within the goal, and the partner API reads back what was sent");
