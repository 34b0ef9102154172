/**
 * Per-hit CPU, attributed: V8 CPU profiles of every isolate in workerd (bench/inspector.ts) while wrk loads
 * the bare route, and on the edge Worker (wrangler.edge.toml) `GET /health`, `POST /e` with `DNT: 1` and an
 * allowed `POST /e` (until the main Worker's consumer has stored its hits), each divided by the requests
 * served. The samples go to the product's source files, Hono, zod and Miniflare's simulators of the bindings
 * (bench/cpu-attribution.ts); the process's CPU time that no isolate's samples explain is shown apart.
 * Alone: `npm run bench -- --only cpu`.
 */
import { type BenchWorker, startBenchWorker } from "./bench-worker.ts";
import {
  type Attribution,
  attribute,
  type Bucket,
  BUCKETS,
  EMULATED,
  mainWorkerFiles,
  moduleRoles,
  PRODUCT,
} from "./cpu-attribution.ts";
import { EDGE_BUNDLE_URL, EDGE_NAME } from "./edge-worker.ts";
import { int, r2 } from "./format.ts";
import { bareLoad, chargedOrganization, collectLoad, healthLoad } from "./hot-path.ts";
import { childWorkerd, processCpuMs, profileIsolates } from "./inspector.ts";
import { log } from "./options.ts";
import { MEASURED_SOURCE, type UnitCostsFile } from "./scale/unit-costs.ts";
import type { WrkResult } from "./wrk.ts";

export const CPU_HEADING = "## Per-hit CPU, attributed (V8 profiles of workerd under wrk)";
const INTERVAL_MICROS = 1000;
/** The isolates profiled: the Workers, Miniflare's entry, and the simulators the routes use. */
const PROFILED = /^(core:|assets:|kv:|queues:|ratelimit:|d1:)/;
const MAIN_NAME = "sightline";
const MAIN_BUNDLE_URL = "worker/index.js";

const ROUTES = {
  bare: "bare 204 Worker (baseline)",
  health: "edge Worker: `GET /health`",
  hitDnt: "edge Worker: `POST /e`, `DNT: 1`",
  hit: "edge Worker: `POST /e`, allowed (and the main Worker's consumer)",
} as const;
type Route = keyof typeof ROUTES;

interface RouteCpu {
  /** Without the profiler: throughput and the workerd process's CPU per request (µs). */
  plain: WrkResult;
  plainMicros: number;
  /** Under the profiler. */
  profiled: WrkResult;
  processMicros: number;
  /** µs per request by bucket, and per product file. */
  perRequest: Record<Bucket, number>;
  /** µs per request in the edge Worker's isolate and in the main Worker's (its queue consumer). */
  isolates: { edge: number; main: number };
  functions: [string, number][];
}

export interface PerHitCpuFigures {
  measuredAt: string;
  intervalMicros: number;
  routes: Record<Route, RouteCpu>;
}

const perRequest = (a: Attribution, requests: number) => ({
  perRequest: Object.fromEntries(Object.entries(a.micros).map(([k, v]) => [k, v / requests])) as Record<Bucket, number>,
  isolates: { edge: (a.byWorker[EDGE_NAME] ?? 0) / requests, main: (a.byWorker[MAIN_NAME] ?? 0) / requests },
  functions: [...a.functions].map(([f, v]) => [f, v / requests] as [string, number]).sort((x, y) => y[1] - x[1]),
});

export async function measurePerHitCpu(): Promise<PerHitCpuFigures> {
  const roles = await moduleRoles();
  const b: BenchWorker = await startBenchWorker({ inspectorPort: 0, sourceMap: true });
  try {
    const [pid, ...more] = childWorkerd();
    if (pid === undefined || more.length > 0) throw new Error(`expected one workerd child, found ${more.length + 1}`);
    const inspector = await b.worker.mf.getInspectorURL();
    const org = await chargedOrganization(b);
    const url = b.worker.url;
    const loads: Record<Route, () => Promise<WrkResult>> = {
      bare: () => bareLoad(url),
      health: () => healthLoad(url, "edge"),
      hitDnt: () => collectLoad(url, org.pixelKey, { target: "edge", headers: { DNT: "1" } }),
      hit: () => collectLoad(url, org.pixelKey, { target: "edge" }),
    };
    const workers = [
      { name: EDGE_NAME, bundleUrl: EDGE_BUNDLE_URL, sourceMap: b.edgeSourceMap!, product: () => "edge" as const },
      { name: MAIN_NAME, bundleUrl: MAIN_BUNDLE_URL, sourceMap: b.worker.sourceMap!, product: mainWorkerFiles(roles) },
    ];
    /** The load, and for allowed hits the consumer storing them; workerd's CPU time over both. */
    const run = async (route: Route) => {
      const before = route === "hit" ? await b.pageViews(org.organizationId) : 0;
      const cpu0 = processCpuMs(pid);
      const load = await loads[route]();
      if (route === "hit") await b.drain(org.organizationId, 120_000, before + load.requests);
      return { load, micros: (processCpuMs(pid) - cpu0) * 1000 };
    };
    const routes = {} as Record<Route, RouteCpu>;
    for (const route of Object.keys(ROUTES) as Route[]) {
      log(`per-hit CPU: ${ROUTES[route]}: warm-up, a run without the profiler, a run with it`);
      await run(route);
      const plain = await run(route);
      const { result, profiles } = await profileIsolates(
        inspector,
        { intervalMicros: INTERVAL_MICROS, targets: (id) => PROFILED.test(id) },
        () => run(route),
      );
      const attribution = attribute(profiles, {
        workers,
        intervalMicros: INTERVAL_MICROS,
        processMicros: result.micros,
      });
      routes[route] = {
        plain: plain.load,
        plainMicros: plain.micros / plain.load.requests,
        profiled: result.load,
        processMicros: result.micros / result.load.requests,
        ...perRequest(attribution, result.load.requests),
      };
    }
    return { measuredAt: new Date().toISOString(), intervalMicros: INTERVAL_MICROS, routes };
  } finally {
    await b.worker.stop();
  }
}

/** The bare Worker's isolate CPU per request ÷ a route's in the edge Worker's isolate: the ratio without the emulation. */
export function isolateRatio(f: PerHitCpuFigures, route: Exclude<Route, "bare">): number {
  return f.routes.bare.perRequest.bare / f.routes[route].isolates.edge;
}

const sumOf = (r: RouteCpu, buckets: Bucket[]) => buckets.reduce((s, k) => s + r.perRequest[k], 0);

/**
 * An allowed hit's CPU (ms): the edge Worker's isolate (product, libraries, garbage collection, runtime:
 * what production bills as its CPU) and the main Worker's, whose queue consumer stores the hit.
 */
export function hitCpuMs(f: PerHitCpuFigures): { edge: number; consumer: number } {
  const { edge, main } = f.routes.hit.isolates;
  return { edge: edge / 1000, consumer: main / 1000 };
}

/** The hit's CPU in the shape of the measured unit costs (bench/scale/unit-costs.ts). */
export function perHitUnitCosts(f: PerHitCpuFigures, command: string): UnitCostsFile {
  const { edge, consumer } = hitCpuMs(f);
  return {
    source: MEASURED_SOURCE,
    measuredAt: f.measuredAt,
    command,
    units: {
      hit: {
        edgeCpuMs: edge,
        consumerCpuMs: consumer,
        note:
          `measured by ${command} at ${f.measuredAt}: CPU of an allowed, already-charged hit in the edge Worker's isolate ` +
          "and in the main Worker's, whose queue consumer stores it (V8 profile under wrk; locally emulated bindings and routing left out)",
      },
    },
  };
}

const us = (x: number) => (x >= 0.5 ? int(x) : x > 0 ? "< 1" : "–");
const pct = (x: number, total: number) => `${Math.round((100 * x) / Math.max(1e-9, total))} %`;

export function perHitCpuSection(f: PerHitCpuFigures, command: string): string[] {
  const routes = Object.keys(ROUTES) as Route[];
  const r = f.routes;
  const total = (route: Route) => r[route].processMicros;
  const isolate = (route: Route) => (route === "bare" ? r.bare.perRequest.bare : r[route].isolates.edge);
  const cell = (route: Route, x: number) => `${us(x)} (${pct(x, total(route))})`;
  const rows = (Object.keys(BUCKETS) as Bucket[]).filter((k) => routes.some((route) => r[route].perRequest[k] >= 0.5));
  const groups: [string, Bucket[]][] = [
    ["**product code** (worker/, shared/, pixel/)", PRODUCT],
    ["Hono", ["hono"]],
    ["zod and the OpenAPI layer", ["zod", "openapi"]],
    [
      "platform APIs, workerd's built-in modules and runtime, garbage collection, other libraries (the Workers' isolates)",
      ["platform", "builtins", "runtime", "gc", "libraries"],
    ],
    ["**emulated bindings** (KV, queue broker, rate limiter, D1)", ["kv", "queue", "rateLimiter", "d1"]],
    ["emulated routing (static assets, Miniflare's entry) and other services", ["assets", "entry", "otherIsolates"]],
    ["bench-only bare Worker", ["bare"]],
    ["workerd outside any isolate", ["native"]],
  ];
  const hit = hitCpuMs(f);
  const hitProduct = r.hit.perRequest.edge;
  return [
    CPU_HEADING,
    "",
    `Measured ${f.measuredAt.slice(0, 16).replace("T", " ")} UTC with \`${command}\`. One workerd (Miniflare) with the edge Worker`,
    "(`wrangler.edge.toml`, which serves the pixel path in production and has no static-assets router in front of",
    "it), the main Worker (whose queue consumer stores the edge's hits) and the bench-only bare Worker; wrk as in the",
    "hot path section, the allowed hits until the consumer has stored them. Each route runs three times: a warm-up,",
    "a run without the profiler (its throughput and the workerd process's CPU time per request), and a run with V8's",
    `sampling profiler on every isolate (\`Profiler.start\` through workerd's inspector, as \`wrangler check startup\` does;`,
    `one sample every ${f.intervalMicros} µs). Every Worker and every simulator of a binding is an isolate of its own on workerd's`,
    "one thread, so each sample is one interval of one isolate's work. The product Workers' samples go to the source",
    "file of the function running (each bundle's source map), or to the platform API our code was in (workerd's C++),",
    "or to workerd's built-in JS; every product file of the edge Worker is the edge's, and in the main Worker the",
    "esbuild metafile's import graph says which files only the queue consumer reaches. The process's CPU time that no",
    "sample explains is the last row: HTTP, the calls between isolates, storage, and the profiler's own interruptions.",
    "Absolute figures move with the machine's load; read the shares, and compare routes within one run.",
    "",
    `| µs of workerd CPU per request (share) | ${routes.map((k) => ROUTES[k]).join(" | ")} |`,
    `|---|${routes.map(() => "---:").join("|")}|`,
    ...rows.map((k) => `| ${BUCKETS[k]} | ${routes.map((route) => cell(route, r[route].perRequest[k])).join(" | ")} |`),
    `| **the edge Worker's isolate** (what production bills as its CPU) | ${routes.map((route) => `**${us(isolate(route))}**`).join(" | ")} |`,
    `| the main Worker's isolate (the hit collectors bundling the hits, its queue consumer storing them) | ${routes.map((route) => (route === "bare" ? "–" : us(r[route].isolates.main))).join(" | ")} |`,
    `| bare Worker's isolate ÷ the edge Worker's (the hot path's ratio, without the emulation) | ${routes.map((route) => r2(isolate("bare") / isolate(route))).join(" | ")} |`,
    `| **workerd process, profiled** | ${routes.map((route) => `**${us(total(route))}**`).join(" | ")} |`,
    `| workerd process, without the profiler | ${routes.map((route) => us(r[route].plainMicros)).join(" | ")} |`,
    `| req/s without / with the profiler (ratio to bare) | ${routes.map((route) => `${int(r[route].plain.rps)} / ${int(r[route].profiled.rps)} (${r2(r[route].plain.rps / r.bare.plain.rps)})`).join(" | ")} |`,
    "",
    "The same, grouped:",
    "",
    `| share of workerd's CPU per request | ${routes.map((k) => ROUTES[k]).join(" | ")} |`,
    `|---|${routes.map(() => "---:").join("|")}|`,
    ...groups.map(
      ([name, buckets]) => `| ${name} | ${routes.map((route) => cell(route, sumOf(r[route], buckets))).join(" | ")} |`,
    ),
    "",
    `**An allowed hit costs ${us(hitProduct)} µs of product CPU at the edge** (its own modules; ${us(hit.edge * 1000)} µs in all in the`,
    `edge Worker's isolate with Hono, garbage collection and the runtime) **and ${us(r.hit.perRequest.consumer)} µs in the queue consumer**`,
    `(${us(hit.consumer * 1000)} µs in all in the main Worker's isolate, with the hit collectors). A \`DNT: 1\` hit, dropped before the hit limiters and the queue,`,
    `costs ${us(sumOf(r.hitDnt, PRODUCT))} µs of product CPU (${us(isolate("hitDnt"))} µs in the edge Worker's isolate).`,
    `The emulated bindings and routing take ${pct(sumOf(r.hit, EMULATED), total("hit"))} of an allowed hit's workerd CPU here; production runs them`,
    "outside the Worker and does not bill them as its CPU time. The isolates' figures are written to the measured unit",
    "costs (`hit.edgeCpuMs`, `hit.consumerCpuMs`) for the scale simulation.",
    "",
    "The functions of our bundles in an allowed hit (edge and consumer; product and libraries; `→` a platform API the",
    "function was in), µs per hit:",
    "",
    "| function | µs per hit |",
    "|---|---:|",
    ...r.hit.functions.slice(0, 20).map(([fn, x]) => `| ${fn} | ${us(x)} |`),
    "",
  ];
}
