/**
 * The Worker's size and cold start, beside a bare Worker's, measured in the same run.
 *
 * Size: the bundle `wrangler deploy --dry-run --outdir` writes (what a deploy uploads as the
 * script), raw and gzip -9; static assets are uploaded beside it and do not count.
 * Cold start: from `new Miniflare(...)` with the bundled script to its first response, for the
 * product bundle (`GET /health`) and for a bare 204 Worker, alternating: median and fastest run.
 * Neither gets bindings: Miniflare emulates them with workers of its own, which production
 * does not start, so the difference between the two is what the script itself costs
 * (parsing, compiling, running its top-level code).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from "miniflare";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const COMPATIBILITY_DATE = "2026-11-01";
const BARE_SCRIPT = `export default { fetch() { return new Response(null, { status: 204 }); } };`;

export interface StartupFigures {
  bundle: { raw: number; gzip: number };
  runs: number;
  /** Ms from creating the Miniflare instance to the first response: median and fastest run. */
  product: { median: number; min: number };
  bare: { median: number; min: number };
}

/** `wrangler deploy --dry-run --outdir <tmp>`: the script a deploy would upload. */
export function dryRunBundle(): string {
  const outdir = mkdtempSync(join(tmpdir(), "sightline-dry-run-"));
  try {
    const wrangler = join(
      dirname(createRequire(join(ROOT, "package.json")).resolve("wrangler/package.json")),
      "bin",
      "wrangler.js",
    );
    execFileSync(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outdir], {
      cwd: ROOT,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    });
    return readFileSync(join(outdir, "index.js"), "utf8");
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
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
  log("bundling the Worker: wrangler deploy --dry-run");
  const script = dryRunBundle();
  const bytes = Buffer.from(script);
  const bundle = { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  log(`bundle: ${bundle.raw} B, ${bundle.gzip} B gzip; cold starts, ${runs} of each (one warm-up each first)`);
  await firstResponseMs(script, "/health");
  await firstResponseMs(BARE_SCRIPT, "/");
  const product: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    product.push(await firstResponseMs(script, "/health"));
    bare.push(await firstResponseMs(BARE_SCRIPT, "/"));
  }
  const summary = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs) });
  return { bundle, runs, product: summary(product), bare: summary(bare) };
}

const ms = (t: { median: number; min: number }) => `${t.median.toFixed(0)} ms (${t.min.toFixed(0)} ms)`;
const kb = (n: number) => `${(n / 1024).toLocaleString("en-US", { maximumFractionDigits: 0 })} KiB`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;

export const STARTUP_HEADING = "## Worker bundle and cold start";

/** The BENCHMARKS.md section (also written alone by `npm run bench -- --only startup`). */
export function startupSection(f: StartupFigures): string[] {
  return [
    STARTUP_HEADING,
    "",
    "The script `wrangler deploy --dry-run --outdir` bundles (static assets are uploaded beside it and are not",
    "part of it), and the time from creating a Miniflare instance with that script to its first response",
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
    `| bare 204 Worker, new Miniflare → first response, median (fastest) | ${ms(f.bare)} | 1.00 |`,
    `| this Worker, new Miniflare → first response, median (fastest) | ${ms(f.product)}; +${(f.product.median - f.bare.median).toFixed(0)} ms | **${(f.product.median / f.bare.median).toFixed(2)}** (${(f.product.min / f.bare.min).toFixed(2)}) |`,
    "",
  ];
}
