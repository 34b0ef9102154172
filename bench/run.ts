/**
 * `npm run bench`: measures Sightline against its goals and writes BENCHMARKS.md.
 *
 * workerd is driven directly through Miniflare's API (test/browser/support/worker.ts: the real Worker
 * bundle, wrangler.toml's bindings, local D1/KV/DO/Queues, logs quiet), with `wrk` as the load generator.
 * Every figure is divided by a baseline measured in the same run (a bench-only Worker in the same workerd
 * answering 204), because these machines are shared and noisy. Nothing here asserts: the figures are
 * reported, goals beside them. Each section is a file of its own, named for what it measures:
 *
 *   startup.ts               bundle size, startup CPU (`wrangler check startup`) and cold start
 *   hot-path.ts              `GET /health` and `POST /e` under wrk, beside the bare route
 *   first-identification.ts  the consumer identifying and charging new companies
 *   credit-counter.ts        one organization's counter: debits against a no-op call
 *   visitors-list.ts         `GET …/visitors` with 100,000 and 1,000,000 visitors
 *   dashboard.ts             the client dashboard's feed and what each page weighs
 *   usage.ts                 `GET /partner/usage` and `/partner/analytics` over the rollups
 *   storage.ts               bytes and rows per page view through the consumer (writes unit costs)
 *   per-hit-cpu.ts           where a hit's CPU goes, from V8 profiles (writes unit costs)
 *   alerts/                  what ten alert rules cost the hits consumer, and the time from a hit to Slack
 *   simulate.ts, scale/      the scale simulation from this run's unit costs (docs/scale.md)
 *   report.ts                the headline, the machine, the growth table
 *
 * Options: --quick (short runs, small data; to check the scripts themselves); --only <part> with part one of
 * startup, dashboard, storage, cpu, alerts, simulate: that part alone, rewriting only its section of BENCHMARKS.md
 * (storage and cpu also write their units into bench/results/unit-costs.json; simulate also rewrites
 * docs/scale.md's results).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LogLevel } from "miniflare";
import { buildPixel } from "../pixel/build.ts";
import { measureAlerts } from "./alerts/index.ts";
import { ROOT } from "../scripts/lib.ts";
import { startWorker } from "../test/browser/support/worker.ts";
import { startBenchWorker } from "./bench-worker.ts";
import { creditCounterSection, creditCounterShortfalls, measureCreditCounter } from "./credit-counter.ts";
import { dashboardSection, dashboardShortfalls, measureDashboard } from "./dashboard.ts";
import { firstIdentificationSection, measureFirstIdentification } from "./first-identification.ts";
import { usd } from "./format.ts";
import {
  bareLoad,
  chargedOrganization,
  collectLoad,
  hotPathSection,
  hotPathShortfalls,
  measureHotPath,
} from "./hot-path.ts";
import { replaceMarkdownSection } from "./markdown.ts";
import { COMMAND, log, ONLY, QUICK, STATE_IN } from "./options.ts";
import { measurePerHitCpu, perHitCpuSection, perHitUnitCosts } from "./per-hit-cpu.ts";
import {
  costShortfalls,
  type Figures,
  growthSection,
  headline,
  introduction,
  loadNow,
  pixelSection,
  readingTheFigures,
} from "./report.ts";
import { benchmarksSection } from "./scale/report.ts";
import type { SimulationResult } from "./scale/result.ts";
import { MEASURED_UNIT_COSTS } from "./scale/unit-costs.ts";
import { runSimulation } from "./simulate.ts";
import { measureStartup, startupSection } from "./startup.ts";
import { consumerDriverWorker, measureStorage } from "./storage.ts";
import { measuredUnitCosts, storageSection, writeUnitCosts } from "./storage-report.ts";
import { measureUsage, usageSection, usageShortfalls } from "./usage.ts";
import { measureVisitorsList, visitorsListSection, visitorsListShortfalls } from "./visitors-list.ts";
import { bareWorker } from "./workers.ts";
import { wrkAvailable } from "./wrk.ts";

const STARTUP_RUNS = QUICK ? 5 : 15;
const DASHBOARD = { visitors: QUICK ? 10_000 : 100_000, requests: QUICK ? 30 : 100 };
const BENCHMARKS = join(ROOT, "BENCHMARKS.md");

/** Scale simulation from the unit costs the bench measured (when it has); rewrites docs/scale.md's results. */
function simulation(): { result: SimulationResult; section: string[] } {
  const unitCostsPath = existsSync(MEASURED_UNIT_COSTS) ? MEASURED_UNIT_COSTS : undefined;
  log(`scale simulation from ${unitCostsPath ?? "bench/unit-costs.default.json (no measured unit costs)"}`);
  const result = runSimulation({ unitCostsPath, write: true, command: COMMAND });
  log(`rewrote the results in docs/scale.md; cost per million page views: ${usd(result.costPerMillion)}`);
  return { result, section: benchmarksSection(result, COMMAND) };
}

/** The client dashboard's figures, on a Worker of its own. */
async function dashboardAlone(): Promise<string[]> {
  const alone = await startWorker({ extraWorkers: [bareWorker], logLevel: LogLevel.ERROR, stateIn: STATE_IN });
  try {
    return dashboardSection(await measureDashboard(alone, { ...DASHBOARD, log }));
  } finally {
    await alone.stop();
  }
}

/** Bytes and rows per page view through the consumer, on a Worker of its own; writes the measured unit costs. */
async function storageAlone(): Promise<string[]> {
  const alone = await startWorker({
    extraWorkers: [bareWorker, await consumerDriverWorker(ROOT)],
    logLevel: LogLevel.ERROR,
    stateIn: STATE_IN,
  });
  try {
    const figures = await measureStorage(alone, { visitors: QUICK ? 300 : 2_000, log, bareSeconds: QUICK ? 3 : 10 });
    writeUnitCosts(MEASURED_UNIT_COSTS, measuredUnitCosts(figures, COMMAND));
    log(`wrote the measured unit costs to ${MEASURED_UNIT_COSTS}`);
    return storageSection(figures, COMMAND);
  } finally {
    await alone.stop();
  }
}

/** Where a hit's CPU goes, on a Worker of its own with the inspector open; writes the hit's unit costs. */
async function cpuAlone() {
  const figures = await measurePerHitCpu();
  writeUnitCosts(MEASURED_UNIT_COSTS, perHitUnitCosts(figures, COMMAND));
  log(`wrote the hit's CPU to ${MEASURED_UNIT_COSTS}`);
  return { figures, section: perHitCpuSection(figures, COMMAND) };
}

/** The parts that run alone (`--only <part>`), each rewriting its own section of BENCHMARKS.md. */
const PARTS: Record<string, () => Promise<string[]>> = {
  startup: async () => startupSection(await measureStartup(STARTUP_RUNS, log)),
  dashboard: dashboardAlone,
  storage: storageAlone,
  cpu: async () => (await cpuAlone()).section,
  alerts: async () => (await measureAlerts()).section,
  simulate: async () => simulation().section,
};

if (ONLY !== undefined) {
  const part = PARTS[ONLY];
  if (!part) {
    console.error(`--only: unknown part '${ONLY}' (known: ${Object.keys(PARTS).join(", ")})`);
    process.exit(1);
  }
  if (ONLY === "cpu" && !wrkAvailable()) {
    console.error("wrk is not installed. Install it (Debian/Ubuntu): sudo apt-get install -y wrk");
    process.exit(1);
  }
  const section = await part();
  const before = existsSync(BENCHMARKS) ? readFileSync(BENCHMARKS, "utf8") : "# Benchmarks\n";
  writeFileSync(BENCHMARKS, replaceMarkdownSection(before, section));
  log(`rewrote the section '${section[0]}' of BENCHMARKS.md`);
  process.exit(0);
}

if (!wrkAvailable()) {
  console.error("wrk is not installed. Install it (Debian/Ubuntu): sudo apt-get install -y wrk");
  process.exit(1);
}

const started = new Date();
const loadAtStart = loadNow();
const pixel = await buildPixel({ write: true });
log(`pixel: ${pixel.raw} B min, ${pixel.gzip} B gzip, ${pixel.brotli} B brotli`);
const startup = await measureStartup(STARTUP_RUNS, log);

// One Worker for the sections that share its data; the sections that need a Worker of their own follow.
const b = await startBenchWorker();
let shared: Omit<Figures, "started" | "load" | "pixel" | "startup" | "cpu" | "simulation">;
try {
  const org = await chargedOrganization(b);
  const hotPath = await measureHotPath(b, org);
  const firstIdentification = await measureFirstIdentification(b);
  await b.quiesce();
  const counter = await measureCreditCounter(b, firstIdentification.organizationId);
  const visitors = await measureVisitorsList(b);
  await b.quiesce();
  const dashboard = await measureDashboard(b.worker, { ...DASHBOARD, log });
  const usage = await measureUsage(b, org.partnerKey);
  await b.quiesce();
  log("collect hit again, with the visitors and rollups in D1");
  const later = {
    hit: await collectLoad(b.worker.url, org.pixelKey, { target: "edge" }),
    base: await bareLoad(b.worker.url),
  };
  await b.drain(org.organizationId, 300_000);
  shared = { hotPath, firstIdentification, counter, visitors, dashboard, usage, later };
} finally {
  await b.worker.stop();
}
const storage = await storageAlone();
const cpu = await cpuAlone();
const alerts = await measureAlerts();
const simulated = simulation();

const f: Figures = {
  started,
  load: { start: loadAtStart, end: loadNow() },
  pixel,
  startup,
  ...shared,
  cpu: cpu.figures,
  simulation: simulated.result,
};
const short = [
  ...costShortfalls(f),
  ...hotPathShortfalls(f.hotPath),
  ...creditCounterShortfalls(f.counter),
  ...visitorsListShortfalls(f.visitors),
  ...usageShortfalls(f.usage),
  ...dashboardShortfalls(f.dashboard),
  ...alerts.short,
];
const md = [
  ...introduction(f),
  "## Headline",
  "",
  ...headline(f),
  "",
  "### Where the product is short of its goals",
  "",
  ...(short.length ? short.map((s) => `- ${s}`) : ["- nowhere in this run."]),
  "",
  ...readingTheFigures(),
  ...startupSection(f.startup),
  ...pixelSection(f.pixel),
  ...hotPathSection(f.hotPath),
  ...cpu.section,
  ...firstIdentificationSection(f.firstIdentification, f.hotPath.base.rps),
  ...creditCounterSection(f.counter),
  ...visitorsListSection(f.visitors),
  ...dashboardSection(f.dashboard),
  ...usageSection(f.usage, f.visitors.bare),
  ...growthSection(f),
  ...storage,
  ...alerts.section,
  ...simulated.section,
];
writeFileSync(BENCHMARKS, md.join("\n"));
log("wrote BENCHMARKS.md");
for (const s of short) log(`short of goal: ${s}`);
log(`cost per million page views, from this run's unit costs: ${usd(f.simulation.costPerMillion)}`);
