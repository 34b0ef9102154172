/**
 * The Worker's size and cold start, beside a bare Worker's, measured in the same run.
 *
 * Size: the bundle `wrangler deploy --dry-run --outdir` writes (what a deploy uploads as the
 * script), raw and gzip -9; static assets are uploaded beside it and do not count.
 * Startup CPU: `wrangler check startup` on that build, "Active" (CPU while the script's top level
 * runs, garbage collection included), best of 3, beside a bare 204 Worker's checked the same way;
 * and of the edge Worker (wrangler.edge.toml), the script that serves the pixel path in production.
 * Cold start: from `new Miniflare(...)` with the bundled script to its first response, for the
 * product bundle (`GET /health`) and for a bare 204 Worker, alternating: median and fastest run.
 * Neither gets bindings: Miniflare emulates them with workers of its own, which production
 * does not start, so the difference between the two is what the script itself costs
 * (parsing, compiling, running its top-level code).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from "miniflare";
import { capture, ROOT, wranglerBin, wranglerEnv } from "../scripts/lib.ts";

const COMPATIBILITY_DATE = "2026-11-01";
const CHECK_RUNS = 3;
const BARE_SCRIPT = `export default { fetch() { return new Response(null, { status: 204 }); } };`;

export interface StartupFigures {
  bundle: { raw: number; gzip: number };
  /** The edge Worker's bundle (wrangler.edge.toml). */
  edgeBundle: { raw: number; gzip: number };
  /** `wrangler check startup`, "Active" ms of each run: the main Worker, the edge Worker, a bare one. */
  cpu: { product: number[]; edge: number[]; bare: number[] };
  runs: number;
  /** Ms from creating the Miniflare instance to the first response: median and fastest run. */
  product: { median: number; min: number };
  bare: { median: number; min: number };
}

const wrangler = (args: string[], cwd = ROOT) =>
  capture(process.execPath, [wranglerBin(), ...args], { cwd, env: wranglerEnv() });

/**
 * `wrangler deploy --dry-run` of the configuration in `cwd`: the script a deploy would upload
 * (`--outdir`) and the upload itself (`--outfile`), which `wrangler check startup --worker` reads.
 */
async function dryRun(cwd: string, dir: string, config = "wrangler.toml"): Promise<{ script: string; upload: string }> {
  const upload = join(dir, "worker.bundle");
  await wrangler(["deploy", "--dry-run", "-c", config, "--outdir", join(dir, "out"), "--outfile", upload], cwd);
  const main = readdirSync(join(dir, "out")).find((f) => f.endsWith(".js"))!;
  return { script: readFileSync(join(dir, "out", main), "utf8"), upload };
}

/** Startup CPU of an upload: `wrangler check startup`'s "Active" (garbage collection included), in ms. */
async function startupCpuMs(upload: string, dir: string): Promise<number> {
  const out = await wrangler(["check", "startup", "--worker", upload, "--outfile", join(dir, "startup.cpuprofile")]);
  const active = /Active: ([\d.]+) ms/.exec(out)?.[1];
  if (active === undefined) throw new Error(`no "Active" figure in the output of wrangler check startup:\n${out}`);
  return Number(active);
}

/** A bare 204 Worker's configuration in a temporary folder: the baseline `wrangler check startup` profiles. */
function bareProject(dir: string): string {
  const project = join(dir, "bare");
  mkdirSync(project);
  writeFileSync(join(project, "index.js"), BARE_SCRIPT);
  writeFileSync(
    join(project, "wrangler.toml"),
    `name = "bench-bare"\nmain = "index.js"\ncompatibility_date = "${COMPATIBILITY_DATE}"\n`,
  );
  return project;
}

async function firstResponseMs(script: string, path: string): Promise<number> {
  const t0 = performance.now();
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      log: new Log(LogLevel.ERROR),
      compatibilityDate: COMPATIBILITY_DATE,
      modules: [{ type: "ESModule", path: join(ROOT, "index.js"), contents: script }],
      cf: false,
    }),
  );
  try {
    const res = await mf.dispatchFetch(`http://localhost${path}`);
    await res.arrayBuffer();
    if (res.status >= 400) throw new Error(`${path} answered ${res.status}`);
    return performance.now() - t0;
  } finally {
    await mf.dispose();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function measureStartup(runs: number, log: (s: string) => void): Promise<StartupFigures> {
  const dir = mkdtempSync(join(tmpdir(), "sightline-startup-"));
  try {
    log("bundling the Worker and a bare one: wrangler deploy --dry-run");
    const product = await dryRun(ROOT, join(dir, "product"));
    const edge = await dryRun(ROOT, join(dir, "edge"), "wrangler.edge.toml");
    const bare = await dryRun(bareProject(dir), join(dir, "bare-build"));
    const sizeOf = (script: string) => {
      const bytes = Buffer.from(script);
      return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    };
    const [bundle, edgeBundle] = [sizeOf(product.script), sizeOf(edge.script)];
    log(
      `bundle: ${bundle.raw} B, ${bundle.gzip} B gzip; edge ${edgeBundle.raw} B; wrangler check startup, ${CHECK_RUNS} runs of each`,
    );
    const cpu = { product: [] as number[], edge: [] as number[], bare: [] as number[] };
    for (let i = 0; i < CHECK_RUNS; i++) {
      cpu.product.push(await startupCpuMs(product.upload, dir));
      cpu.edge.push(await startupCpuMs(edge.upload, dir));
      cpu.bare.push(await startupCpuMs(bare.upload, dir));
    }
    log(
      `startup CPU (Active): ${cpu.product.join(", ")} ms; edge ${cpu.edge.join(", ")} ms; bare ${cpu.bare.join(", ")} ms`,
    );
    log(`cold starts through Miniflare, ${runs} of each (one warm-up each first)`);
    await firstResponseMs(product.script, "/health");
    await firstResponseMs(BARE_SCRIPT, "/");
    const productMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      productMs.push(await firstResponseMs(product.script, "/health"));
      bareMs.push(await firstResponseMs(BARE_SCRIPT, "/"));
    }
    const summary = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs) });
    return { bundle, edgeBundle, cpu, runs, product: summary(productMs), bare: summary(bareMs) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (t: { median: number; min: number }) => `${t.median.toFixed(0)} ms (${t.min.toFixed(0)} ms)`;
const kb = (n: number) => `${(n / 1024).toLocaleString("en-US", { maximumFractionDigits: 0 })} KiB`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;

export const STARTUP_HEADING = "## Worker bundle and cold start";
/** Issue 21: startup CPU of the script that serves the pixel path. */
export const STARTUP_CPU_GOAL_MS = 10;

/** The edge Worker's best run: it is the script that serves the pixel path (docs/architecture.md). */
export const bestCpu = (f: StartupFigures) => Math.min(...f.cpu.edge);
const cpu = (runs: number[]) => `${Math.min(...runs).toFixed(1)} ms (${runs.map((r) => r.toFixed(1)).join(", ")})`;

/** The BENCHMARKS.md section (also written alone by `npm run bench -- --only startup`). */
export function startupSection(f: StartupFigures): string[] {
  return [
    STARTUP_HEADING,
    "",
    "The script `wrangler deploy --dry-run --outdir` bundles (static assets are uploaded beside it and are not",
    `part of it); its startup CPU as \`wrangler check startup\` profiles it (\"Active\": CPU while the script's top level`,
    `runs, garbage collection included; best of ${f.cpu.product.length}, every run in brackets), beside a bare 204 Worker's checked the`,
    "same way; and the time from creating a Miniflare instance with that script to its first response",
    `(\`GET /health\`), beside a bare 204 Worker's, alternating, ${f.runs} runs each. Neither gets bindings`,
    "(Miniflare emulates them with workers of its own that production does not start), so the difference is",
    "what the script itself costs: parsing, compiling, running its top-level code. Other work on the machine",
    "only ever adds time, so the fastest runs are shown beside the medians. Refresh this section alone with",
    "`npm run bench -- --only startup`.",
    "",
    "| figure | measured | ratio to bare |",
    "|---|---:|---:|",
    `| bundle, raw | ${f.bundle.raw.toLocaleString("en-US")} B (${mb(f.bundle.raw)}) | |`,
    `| bundle, gzip -9 | ${f.bundle.gzip.toLocaleString("en-US")} B (${kb(f.bundle.gzip)}) | |`,
    `| startup CPU, bare 204 Worker (\`wrangler check startup\`, Active, best of ${f.cpu.bare.length}) | ${cpu(f.cpu.bare)} | |`,
    `| startup CPU, this Worker (same): also every Durable Object's, a credit counter woken by the consumer or a hit collector called by the edge (its eager graph holds no API route: \`test/architecture\`) | ${cpu(f.cpu.product)} | |`,
    `| edge Worker (\`wrangler.edge.toml\`, the pixel path alone), bundle raw, gzip -9 | ${f.edgeBundle.raw.toLocaleString("en-US")} B, ${f.edgeBundle.gzip.toLocaleString("en-US")} B | |`,
    `| startup CPU, edge Worker (same; goal for the script serving the pixel path: ≤ ${STARTUP_CPU_GOAL_MS} ms) | **${cpu(f.cpu.edge)}** | |`,
    `| bare 204 Worker, new Miniflare → first response, median (fastest) | ${ms(f.bare)} | 1.00 |`,
    `| this Worker, new Miniflare → first response, median (fastest) | ${ms(f.product)}; +${(f.product.median - f.bare.median).toFixed(0)} ms | **${(f.product.median / f.bare.median).toFixed(2)}** (${(f.product.min / f.bare.min).toFixed(2)}) |`,
    "",
  ];
}
