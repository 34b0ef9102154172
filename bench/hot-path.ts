/**
 * The hot path under wrk: the bare 204 route (the baseline), `GET /health`, `POST /e` with `DNT: 1`
 * and an allowed `POST /e` of an already-charged visitor, then the queue drained by the consumer: on the
 * edge Worker (wrangler.edge.toml, what serves the pixel path in production: no static-assets router in
 * front of it), then the same on the main Worker, which serves these paths locally. Every figure is read
 * as a ratio to the bare route of the same run.
 */
import { join } from "node:path";
import { ROOT } from "../scripts/lib.ts";
import { type SeededOrganization, seedOrganization } from "../test/browser/support/worker.ts";
import { type BenchWorker, CHARGES_SQL, HUMAN_UA } from "./bench-worker.ts";
import { int, ms, r2 } from "./format.ts";
import { send } from "./http.ts";
import { CONNECTIONS, HIT_CONNECTIONS, log, SECONDS } from "./options.ts";
import { EDGE_HOST } from "./edge-worker.ts";
import { BARE_HOST } from "./workers.ts";
import { wrk, type WrkResult } from "./wrk.ts";

export const HIT_SCRIPT = join(ROOT, "bench/hit.lua");
/** Goals of issue 21 for the edge's own work, as ratios to the bare route. */
export const GOALS = { health: 0.8, hitDnt: 0.5, hit: 0.6 };

/**
 * Rounds of the bare route, the edge Worker's `GET /health` and its DNT hit, one after the other: a route's
 * ratio is the median of its rounds' ratios, each to the bare run of its own round, so a burst of other
 * work on the machine skews one round, not the figure.
 */
const ROUNDS = 3;

export interface HotPathFigures {
  rounds: { base: WrkResult; health: WrkResult; hitDnt: WrkResult }[];
  /** The bare run of median throughput among the rounds: the baseline of the other routes. */
  base: WrkResult;
  /** The edge Worker's routes (health and DNT: their median round). */
  health: WrkResult;
  hitDnt: WrkResult;
  hit: WrkResult;
  /** The same routes on the main Worker (the static-assets router runs before it). */
  main: { health: WrkResult; hitDnt: WrkResult; hit: WrkResult };
  /** The baseline again, after the collect load: how noisy is the machine? */
  base2: WrkResult;
  drainSeconds: number;
  drained: boolean;
  stored: number;
}

/** The environment of bench/hit.lua: a fresh run id each time (event ids must never repeat). */
export const hitEnv = (pixelKey: string) => ({
  BENCH_PIXEL_KEY: pixelKey,
  BENCH_IP: "127.0.0.1",
  BENCH_RUN: crypto.randomUUID().replace(/-/g, "").slice(0, 12), // 12 + 2 + 18 = 32 hex per event id
});

/** Which Worker a load goes to: the edge Worker (by its Host) or the main Worker (the entry's default). */
export type Target = "edge" | "main";
const hostOf = (target: Target): Record<string, string> => (target === "edge" ? { Host: EDGE_HOST } : {});

/** wrk on the bare route, on `GET /health`, and on `POST /e` with the organization's key (extra headers, e.g. DNT). */
export const bareLoad = (url: string, seconds = SECONDS) =>
  wrk({ url: `${url}/`, seconds, connections: CONNECTIONS, headers: { Host: BARE_HOST } });
export const healthLoad = (url: string, target: Target, seconds = SECONDS) =>
  wrk({ url: `${url}/health`, seconds, connections: CONNECTIONS, headers: hostOf(target) });
export const collectLoad = (
  url: string,
  pixelKey: string,
  o: { target: Target; seconds?: number; headers?: Record<string, string> },
) =>
  wrk({
    url: `${url}/e`,
    seconds: o.seconds ?? SECONDS,
    // A hit dropped under DNT is answered at once; an allowed one when its collector has queued it.
    connections: o.headers?.DNT === "1" ? CONNECTIONS : HIT_CONNECTIONS,
    script: HIT_SCRIPT,
    env: hitEnv(pixelKey),
    headers: { ...hostOf(o.target), ...o.headers },
  });

/** One hit of a browser from 127.0.0.1 (the loopback company), answered 204. */
export async function firstHit(url: string, pixelKey: string): Promise<void> {
  const first = await send(`${url}/e`, {
    method: "POST",
    headers: { "content-type": "text/plain", "cf-connecting-ip": "127.0.0.1", "user-agent": HUMAN_UA },
    body: JSON.stringify({ k: pixelKey, t: "v", i: crypto.randomUUID(), u: "https://www.client.example/", w: 1280 }),
  });
  if (first.status !== 204) throw new Error(`first hit answered ${first.status}: ${first.body}`);
}

/** A partner with a large pool (credits are never the limit here) whose visitor from 127.0.0.1 is charged already. */
export async function chargedOrganization(b: BenchWorker): Promise<SeededOrganization> {
  const org = await seedOrganization(b.worker, { credits: 1_000_000, poolTotal: 50_000_000 });
  await firstHit(b.worker.url, org.pixelKey);
  await b.waitUntil("the first charge", async () => (await b.count(CHARGES_SQL, org.organizationId)) === 1, 20_000);
  return org;
}

export async function measureHotPath(b: BenchWorker, org: SeededOrganization): Promise<HotPathFigures> {
  const url = b.worker.url;
  log("warm-up");
  await bareLoad(url, 3);
  for (const target of ["edge", "main"] as const) {
    await healthLoad(url, target, 3);
    await collectLoad(url, org.pixelKey, { target, seconds: 3 });
  }
  await b.drain(org.organizationId, 120_000);

  const rounds: HotPathFigures["rounds"] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    log(`round ${round} of ${ROUNDS}: bare 204 route (baseline), edge Worker GET /health, edge Worker DNT hit`);
    const base = await bareLoad(url);
    const health = await healthLoad(url, "edge");
    const hitDnt = await collectLoad(url, org.pixelKey, { target: "edge", headers: { DNT: "1" } });
    rounds.push({ base, health, hitDnt });
  }
  const base = medianBy(
    rounds.map((r) => r.base),
    (w) => w.rps,
  );
  const routes = async (target: Target) => {
    const edgeRounds = (route: "health" | "hitDnt") => medianBy(rounds, (r) => r[route].rps / r.base.rps)[route];
    log(`${target} Worker: GET /health`);
    const health = target === "edge" ? edgeRounds("health") : await healthLoad(url, target);
    log(`${target} Worker: collect hit with DNT: 1 (dropped before the hit limiters and the queue)`);
    const hitDnt =
      target === "edge"
        ? edgeRounds("hitDnt")
        : await collectLoad(url, org.pixelKey, { target, headers: { DNT: "1" } });
    log(`${target} Worker: collect hit, already charged`);
    const viewsBefore = await b.pageViews(org.organizationId);
    const hit = await collectLoad(url, org.pixelKey, { target });
    log(`draining the ${int(hit.requests)} queued hits`);
    const drainStart = Date.now();
    const drained = await b.drain(org.organizationId, 300_000, viewsBefore + hit.requests);
    const drainSeconds = (Date.now() - drainStart) / 1000;
    const stored = (await b.pageViews(org.organizationId)) - viewsBefore;
    return { health, hitDnt, hit, drained, drainSeconds, stored };
  };
  const edge = await routes("edge");
  const main = await routes("main");
  const base2 = await bareLoad(url);
  const { drained, drainSeconds, stored } = edge;
  return { rounds, base, ...edge, main, base2, drainSeconds, drained: drained && main.drained, stored };
}

/** The item whose `key` is the median of the list's (the lower middle one of an even count). */
function medianBy<T>(items: T[], key: (item: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor((items.length - 1) / 2)]!;
}

/** The edge Worker's `GET /health` and DNT hit: the median of the rounds' ratios to their own bare runs. */
export function edgeRatio(f: HotPathFigures, route: "health" | "hitDnt"): number {
  const ratios = f.rounds.map((r) => r[route].rps / r.base.rps);
  return medianBy(ratios, (x) => x);
}

export function hotPathShortfalls(f: HotPathFigures): string[] {
  const short: string[] = [];
  const ratio = (w: WrkResult) => w.rps / f.base.rps;
  if (edgeRatio(f, "health") < GOALS.health)
    short.push(`edge Worker, GET /health: ${r2(edgeRatio(f, "health"))} of the bare route, goal ≥ ${GOALS.health}`);
  if (edgeRatio(f, "hitDnt") < GOALS.hitDnt)
    short.push(
      `edge Worker, collect hit with DNT: ${r2(edgeRatio(f, "hitDnt"))} of the bare route, goal ≥ ${GOALS.hitDnt}`,
    );
  if (ratio(f.hit) < GOALS.hit)
    short.push(`edge Worker, collect hit: ${r2(ratio(f.hit))} of the bare route, goal ≥ ${GOALS.hit}`);
  if (!f.drained) short.push("the queue consumer did not drain the collect load within 5 minutes (see below)");
  return short;
}

export function hotPathSection(f: HotPathFigures): string[] {
  const lat = (w: WrkResult) => `${ms(w.p50ms)} / ${ms(w.p99ms)}`;
  const row = (name: string, w: WrkResult, goal?: number, ratio = r2(w.rps / f.base.rps)) =>
    `| ${name} | ${int(w.rps)} | ${ratio} | ${goal === undefined ? "–" : `≥ ${goal}`} | ${lat(w)} | ${w.errors} |`;
  const rounds = (route: "health" | "hitDnt") =>
    `**${r2(edgeRatio(f, route))}** (rounds: ${f.rounds.map((r) => r2(r[route].rps / r.base.rps)).join(", ")})`;
  return [
    "## Hot path: requests per second (wrk)",
    "",
    `${CONNECTIONS} connections, ${SECONDS} s each (allowed hits: ${HIT_CONNECTIONS}, since the edge answers one only once its collector has`,
    "put it in the queue, up to a quarter of a second later). p50 / p99 latency under that load. The bare route, the edge",
    `Worker's \`GET /health\` and its DNT hit run in ${ROUNDS} rounds, one after the other: each ratio is the median of its rounds'`,
    "ratios to the bare run of the same round (shown in brackets), the req/s that of the median round. The goals are the edge",
    "Worker's (`wrangler.edge.toml`), the script that serves the pixel path in production; the main Worker serves",
    "the same paths locally (`npm start`, the tests), behind the static-assets router that production runs before",
    "it, and is shown for comparison.",
    "",
    "| route | req/s | ratio to bare | goal | p50 / p99 | errors |",
    "|---|---:|---:|---:|---|---:|",
    row(`bare 204 Worker (baseline; rounds: ${f.rounds.map((r) => int(r.base.rps)).join(", ")} req/s)`, f.base),
    row("edge Worker: `GET /health` (JSON)", f.health, GOALS.health, rounds("health")),
    row(
      "edge Worker: `POST /e` with `DNT: 1`: validated, key looked up (isolate memory), referrer checked, dropped",
      f.hitDnt,
      GOALS.hitDnt,
      rounds("hitDnt"),
    ),
    row("edge Worker: `POST /e`, allowed, already charged", f.hit, GOALS.hit),
    row("main Worker: `GET /health`", f.main.health),
    row("main Worker: `POST /e` with `DNT: 1`", f.main.hitDnt),
    row("main Worker: `POST /e`, allowed, already charged", f.main.hit),
    row("bare 204 again, after the collect loads", f.base2),
    "",
    `The allowed hit is validated, counted by both hit limiters, looked up, checked against the referrers and`,
    "handed to its collector, which puts it in its hit queue with the others of a quarter of a second (awaited: the",
    `latency above is mostly that wait). The edge Worker's ${int(f.hit.requests)} accepted hits were then stored by the queue consumer in`,
    `${f.drainSeconds.toFixed(1)} s after the load stopped (${int(f.stored)} page views stored${f.drained ? "" : ", NOT all within 5 minutes"}):`,
    `≈ ${int(f.stored / Math.max(0.001, f.drainSeconds + f.hit.seconds))} stored hits/s for already-charged visitors`,
    "(identify, one counter call per batch, D1 batch writes), while the edge accepted them at the rate above.",
    "Where each request's CPU goes is in the per-hit CPU section.",
    "",
  ];
}
