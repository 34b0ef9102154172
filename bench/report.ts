/**
 * The top of BENCHMARKS.md (what the bench is, the machine, the headline against the goals, how to read
 * it), the pixel's size and the growth table: the parts that read the figures of several sections.
 */
import { execSync } from "node:child_process";
import { cpus, freemem, loadavg, totalmem } from "node:os";
import type { PixelSize } from "../pixel/build.ts";
import { type CreditCounterFigures, debitRatio, GOAL as COUNTER_GOAL } from "./credit-counter.ts";
import type { DashboardFigures } from "./dashboard.ts";
import type { FirstIdentificationFigures } from "./first-identification.ts";
import { int, ms, r2, usd } from "./format.ts";
import { edgeRatio, GOALS, type HotPathFigures } from "./hot-path.ts";
import { CONNECTIONS, QUICK, SECONDS, STATE_IN } from "./options.ts";
import { hitCpuMs, isolateRatio, type PerHitCpuFigures } from "./per-hit-cpu.ts";
import type { SimulationResult } from "./scale/result.ts";
import { bestCpu, STARTUP_CPU_GOAL_MS, type StartupFigures } from "./startup.ts";
import type { UsageFigures } from "./usage.ts";
import type { VisitorsListFigures } from "./visitors-list.ts";
import type { WrkResult } from "./wrk.ts";

/** Issue 21: dollars per million page views at list prices. */
export const COST_GOAL_USD = 5;

export interface Figures {
  started: Date;
  /** Load averages (1 minute) when the run started and ended. */
  load: { start: number; end: number };
  pixel: PixelSize;
  startup: StartupFigures;
  hotPath: HotPathFigures;
  firstIdentification: FirstIdentificationFigures;
  counter: CreditCounterFigures;
  visitors: VisitorsListFigures;
  dashboard: DashboardFigures;
  usage: UsageFigures;
  /** The hot path again once the visitors and rollups are in D1. */
  later: { hit: WrkResult; base: WrkResult };
  cpu: PerHitCpuFigures;
  simulation: SimulationResult;
}

function machine(f: Figures): string[] {
  const sh = (cmd: string) => {
    try {
      return execSync(cmd, { encoding: "utf8" }).trim();
    } catch {
      return "?";
    }
  };
  return [
    `- date: ${f.started.toISOString()}`,
    `- CPU: ${cpus()[0]?.model ?? "?"}; \`nproc\` = ${sh("nproc")}; load average (1 min) ${f.load.start.toFixed(2)} at the start, ${f.load.end.toFixed(2)} at the end (other work on the machine shows here)`,
    `- memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(freemem() / 2 ** 30).toFixed(1)} GiB free at the end (\`free -h\`: ${sh('free -h | awk \'/Mem:/ {print $2" total, "$7" available"}\'')})`,
    `- Node ${process.version}, ${sh("wrk --version 2>&1 | head -1")}, workerd via miniflare ${sh("node -p \"require('miniflare/package.json').version\"")}`,
    `- mode: ${QUICK ? "--quick (short runs, small data)" : "full"}`,
  ];
}

export const loadNow = () => loadavg()[0]!;

export function headline(f: Figures): string[] {
  const { hotPath: h, visitors, dashboard, usage } = f;
  const big = visitors.sizes.at(-1)!;
  const cpu = hitCpuMs(f.cpu);
  const hitProductMicros = f.cpu.routes.hit.perRequest.edge;
  return [
    "| figure | measured | ratio to baseline | goal |",
    "|---|---|---|---|",
    `| pixel, min + gzip -9 | ${int(f.pixel.gzip)} B | ${r2(f.pixel.gzip / 1024)} of the goal | ≤ 1,024 B |`,
    `| startup CPU of the edge Worker, the pixel path (\`wrangler check startup\`, Active, best of ${f.startup.cpu.edge.length}) | ${bestCpu(f.startup).toFixed(1)} ms | bare Worker ${Math.min(...f.startup.cpu.bare).toFixed(1)} ms | ≤ ${STARTUP_CPU_GOAL_MS} ms for the script serving the pixel path |`,
    `| edge Worker: \`GET /health\` | ${int(h.health.rps)} req/s | **${r2(edgeRatio(h, "health"))}** × bare route (median of ${h.rounds.length} rounds) | ≥ ${GOALS.health} |`,
    `| edge Worker: collect hit with \`DNT: 1\` (dropped before the hit limiters and the queue) | ${int(h.hitDnt.rps)} req/s | **${r2(edgeRatio(h, "hitDnt"))}** × bare route (median of ${h.rounds.length} rounds) | ≥ ${GOALS.hitDnt} |`,
    `| edge Worker: collect hit (allowed, already charged) | ${int(h.hit.rps)} req/s | **${r2(h.hit.rps / h.base.rps)}** × bare route | ≥ ${GOALS.hit} |`,
    `| CPU in the edge Worker's isolate per request (V8 profile; emulated bindings and routing left out), bare Worker's ÷ route's | \`GET /health\` ${r2(isolateRatio(f.cpu, "health"))}, \`DNT: 1\` ${r2(isolateRatio(f.cpu, "hitDnt"))}, allowed ${r2(isolateRatio(f.cpu, "hit"))} | – | – |`,
    `| product CPU of an allowed hit (V8 profile, its own modules) | ${int(hitProductMicros)} µs at the edge, ${int(f.cpu.routes.hit.perRequest.consumer)} µs in the consumer | ${int(cpu.edge * 1000)} µs in the edge Worker's isolate, ${int(cpu.consumer * 1000)} µs in the consumer's | – |`,
    `| first identification (queue consumer) | ${int(f.firstIdentification.identRate)} hits/s | **${r2(f.firstIdentification.identRate / h.base.rps)}** × bare route req/s | – |`,
    `| credit counter, one debit per call | ${int(f.counter.debit1.perSecond)} debits/s | **${r2(debitRatio(f.counter))}** × no-op call | ≥ ${COUNTER_GOAL} |`,
    `| credit counter, 100 debits per call (as the consumer calls it) | ${int(f.counter.debit100.debitsPerSecond)} debits/s | ${r2(f.counter.debit100.debitsPerSecond / f.counter.noop.perSecond)} × no-op calls/s | – |`,
    `| GET …/visitors page 1, ${int(big.size)} visitors | p95 ${ms(big.page1.p95ms)} | ${r2(big.page1.p95ms / visitors.bare.p95ms)} × bare p95 | p95 ≤ 25 ms |`,
    `| GET …/visitors page 1,000, ${int(big.size)} visitors | p95 ${ms(big.page1000.p95ms)} | ${r2(big.page1000.p95ms / visitors.bare.p95ms)} × bare p95 | p95 ≤ 25 ms |`,
    `| client dashboard: company feed page 1, ${int(dashboard.visitors)} visitors | p95 ${ms(dashboard.feed[0]!.timing.p95ms)} | ${r2(dashboard.feed[0]!.timing.p95ms / dashboard.bare.p95ms)} × bare p95 | p95 ≤ 50 ms |`,
    ...(usage.runs.length
      ? usage.runs
          .filter((u) => u.orgs <= 100 || usage.runs.length === 1)
          .slice(-1)
          .flatMap((u) => [
            `| GET /partner/usage, ${int(u.events)} events | p95 ${ms(u.usage.p95ms)} | ${r2(u.usage.p95ms / visitors.bare.p95ms)} × bare p95 | p95 ≤ 100 ms |`,
            `| GET /partner/analytics, ${int(u.events)} events | p95 ${ms(u.analytics.p95ms)} | ${r2(u.analytics.p95ms / visitors.bare.p95ms)} × bare p95 | p95 ≤ 100 ms |`,
          ])
      : [
          `| usage and analytics | not measured: endpoints not built (GET /partner/usage answered ${usage.status}) | – | p95 ≤ 100 ms |`,
        ]),
    `| cost per million page views (scale simulation, list prices, this run's unit costs) | ${usd(f.simulation.costPerMillion)} | – | ≤ ${usd(COST_GOAL_USD)} |`,
    ...(f.simulation.costPerMillionAlone !== undefined
      ? [
          `| the same with every hit alone in its consumer batch (a queue shared by small organizations; docs/scale.md) | ${usd(f.simulation.costPerMillionAlone)} | – | – |`,
        ]
      : []),
  ];
}

export function costShortfalls(f: Figures): string[] {
  const short: string[] = [];
  if (f.pixel.gzip > 1024) short.push(`pixel: ${f.pixel.gzip} B gzip, ${f.pixel.gzip - 1024} B over the 1,024 B goal`);
  if (bestCpu(f.startup) > STARTUP_CPU_GOAL_MS)
    short.push(
      `startup CPU of the edge Worker: ${bestCpu(f.startup).toFixed(1)} ms (best of ${f.startup.cpu.edge.length}), goal ≤ ${STARTUP_CPU_GOAL_MS} ms for the script serving the pixel path`,
    );
  if (f.simulation.costPerMillion > COST_GOAL_USD)
    short.push(
      `cost per million page views: ${usd(f.simulation.costPerMillion)}, goal ≤ ${usd(COST_GOAL_USD)} (docs/scale.md)`,
    );
  return short;
}

export function introduction(f: Figures): string[] {
  return [
    "# Benchmarks",
    "",
    "Generated by `npm run bench` (`node bench/run.ts`); rerun it to refresh this file. Needs `wrk`",
    "(`sudo apt-get install -y wrk`) and takes about ten minutes on the machine below. Figures are not assertions: no test",
    "fails on them. Every figure is divided by a **baseline measured in the same run**, because the",
    "machine is shared and noisy: a bench-only Worker in the same workerd process that answers an",
    "empty 204 (`bench/workers.ts`, reached through Miniflare's entry like the product Worker; no",
    "production route was added).",
    "",
    "## Machine and method",
    "",
    ...machine(f),
    "- server: workerd driven directly through Miniflare's API (`test/browser/support/worker.ts`: the",
    "  product Worker bundled from `worker/index.ts`, the bindings of `wrangler.toml`, local D1, KV,",
    "  Durable Objects and Queues persisted in a temporary folder, logs at error level). Not `wrangler",
    "  dev`, whose proxy halves throughput and logs every request.",
    `- state: ${STATE_IN ? `in memory (a temporary folder in \`${STATE_IN}\`, tmpfs)` : "on disk (no tmpfs on this machine)"}. Miniflare's rate limiter is a Durable Object that`,
    "  writes every count to SQLite and answers once the write is durable: on a disk that is a flush per hit, which",
    "  production's rate limiter (a counter in memory where the request arrives) never pays.",
    `- load: \`wrk -t1 -c${CONNECTIONS} -d${SECONDS}s\` on the same 2 cores as workerd (so wrk takes CPU from the`,
    "  server: absolute req/s are a floor, the ratios are the figures to read). Single-client latency",
    "  (API endpoints): sequential requests on one kept-alive connection after 10 warm-up requests.",
    "- warm-up: 3 s of each wrk load before measuring, then the queue drained.",
    "",
  ];
}

export function readingTheFigures(): string[] {
  return [
    "### Reading the figures",
    "",
    "- **The hot path's ratios measure Miniflare as much as the product.** Locally every request passes",
    "  Miniflare's entry Worker, and the product's the static-assets router (which production runs before the",
    "  Worker, unbilled); the rate limiter and the queue broker are Durable Objects in the same workerd, and the",
    "  queue consumer storing the hits runs on the same single workerd thread while wrk loads the edge. The",
    "  per-hit CPU section shows, route by route, how much of the process's CPU is the product's code, Hono, zod,",
    "  and each of these emulations.",
    "- **Credit counter.** `charge` is a write transaction that must be durable before the reply (output gate)",
    "  plus an outbox row and an alarm; `balance()` is a read. One debit per call cannot reach 0.8 of a read;",
    "  the consumer never calls it that way: it sends one call per organization per batch (up to 100 hits), and",
    "  batched debits/s are shown beside the no-op calls/s.",
    "- **Visitors list.** The unfiltered `total` is a running count kept by the queue consumer",
    "  (`organization_keys.visitors`), so a page costs its own rows only. Page N skips (N − 1) × pageSize index",
    "  entries (OFFSET), which grows linearly with depth; the `cursor` of the previous answer costs what page 1",
    "  costs at any depth. Filtered lists count their matches up to 10,000; a search reads the search index.",
    "",
  ];
}

export function pixelSection(pixel: PixelSize): string[] {
  return [
    "## Pixel size",
    "",
    "Built by `pixel/build.ts` (esbuild, minified): the larger of its two builds (with and without hash routing);",
    "every feature of docs/pixel.md included.",
    "",
    "| script | min | gzip -9 | brotli |",
    "|---|---:|---:|---:|",
    `| **this pixel** | ${int(pixel.raw)} B | **${int(pixel.gzip)} B** | ${int(pixel.brotli)} B |`,
    "| Plausible base script (page views + pushState only) | | 802 B | |",
    "| Counterscale tracker | | 1,889 B | |",
    "| Umami 3.1 | | 2,309 B | |",
    "",
    "Peers' figures are the min + gzip sizes of their published scripts, measured once, not rebuilt here.",
    "",
  ];
}

export function growthSection(f: Figures): string[] {
  const vis = f.visitors.sizes;
  const big = vis.at(-1)!;
  const small = vis[0]!;
  const [usageSmall, usageBig] = f.usage.runs;
  const before = f.hotPath.hit.rps / f.hotPath.base.rps;
  const after = f.later.hit.rps / f.later.base.rps;
  return [
    "## Growth: each figure when the data grows 10×",
    "",
    "| figure | smaller data | 10× data | growth |",
    "|---|---:|---:|---:|",
    `| collect hit, ratio to bare (before / after ${int(vis.reduce((n, v) => n + v.size, 0))} visitors${f.usage.runs.length ? " and the rollups" : ""} in D1) | ${r2(before)} | ${r2(after)} | ${r2(after / before)}× |`,
    `| GET …/visitors page 1, p95 (${int(small.size)} → ${int(big.size)} visitors) | ${ms(small.page1.p95ms)} | ${ms(big.page1.p95ms)} | ${r2(big.page1.p95ms / small.page1.p95ms)}× |`,
    `| GET …/visitors page 1,000, p95 (${int(small.size)} → ${int(big.size)} visitors) | ${ms(small.page1000.p95ms)} | ${ms(big.page1000.p95ms)} | ${r2(big.page1000.p95ms / small.page1000.p95ms)}× |`,
    ...(usageSmall && usageBig
      ? [
          `| GET /partner/usage, p95 (${int(usageSmall.orgs)} → ${int(usageBig.orgs)} organizations, ${int(usageSmall.events)} → ${int(usageBig.events)} events) | ${ms(usageSmall.usage.p95ms)} | ${ms(usageBig.usage.p95ms)} | ${r2(usageBig.usage.p95ms / usageSmall.usage.p95ms)}× |`,
          `| GET /partner/analytics, p95 (same) | ${ms(usageSmall.analytics.p95ms)} | ${ms(usageBig.analytics.p95ms)} | ${r2(usageBig.analytics.p95ms / usageSmall.analytics.p95ms)}× |`,
        ]
      : ["| usage and analytics | not measured | | |"]),
    "",
    `Visitors were grown ${int(small.size)} → ${int(big.size)} (not 1M → 10M): seeding and indexing 10M rows on this`,
    "2-core machine would take most of the 15-minute budget, and the shape of the growth is already visible at 1M.",
    "",
  ];
}
