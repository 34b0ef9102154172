/**
 * `node scripts/startup-cpu.ts [config…] [--runs N]`: the CPU a cold start of each Worker costs in
 * workerd, beside a bare Worker's, from the CPU time workerd's threads report (Linux
 * /proc/<pid>/task/<tid>/schedstat). docs/architecture.md#cold-start explains the numbers.
 *
 * `wrangler check startup` samples the same startup with the inspector's profiler; on a busy
 * machine one sample can carry another process's time slice, so its "Active" jumps between runs.
 * Thread CPU time does not count time spent waiting for a core. For each config: the bundle of
 * `wrangler deploy --dry-run`, then, in a fresh workerd each run, CPU from spawn to the first
 * response ("with compile") and of the first request alone, which imports the Worker (what
 * `wrangler check startup` profiles). Runs alternate between the Workers; contention only adds CPU
 * time, so the least of the runs is printed beside the median.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { captureWrangler, ROOT } from "./lib.ts";

const args = process.argv.slice(2);
const runsAt = args.indexOf("--runs");
const runs = runsAt === -1 ? 7 : Number(args.splice(runsAt, 2)[1]);
const configs = args.length > 0 ? args : ["wrangler.toml", "wrangler.edge.toml"];
if (!readdirSync("/proc").includes("self")) throw new Error("needs Linux /proc (thread CPU times)");

const BARE = "export default { fetch: () => new Response(null, { status: 204 }) };";
/** As `wrangler check startup` does: the Worker is imported by the first request. */
const WRAPPER = 'export default { async fetch() { await import("./worker.js"); return new Response("ok"); } };';

/** CPU time of every live thread of a process, in ms. */
function cpuMs(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return ns / 1e6;
}

/** The workerd process Miniflare started (a child of this process). */
function workerdPid(): number {
  const children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, "utf8").trim().split(" ");
  const pid = children.map(Number).find((p) => readFileSync(`/proc/${p}/cmdline`, "utf8").includes("workerd"));
  if (pid === undefined) throw new Error("workerd process not found");
  return pid;
}

/** One cold start: CPU from spawn to the first response, and of that first request alone. */
async function coldStart(script: string, compatibilityDate: string): Promise<{ total: number; request: number }> {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      compatibilityDate,
      modulesRoot: "/",
      modules: [
        { type: "ESModule", path: "/wrapper.js", contents: WRAPPER },
        { type: "ESModule", path: "/worker.js", contents: script },
      ],
    }),
  );
  try {
    await mf.ready;
    const pid = workerdPid();
    const before = cpuMs(pid);
    await (await mf.dispatchFetch("http://localhost/")).text();
    const after = cpuMs(pid);
    return { total: after, request: after - before };
  } finally {
    await mf.dispose();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const workers = [{ name: "bare Worker", script: BARE, bytes: BARE.length, date: "2026-11-01" }];
for (const config of configs) {
  const outdir = join(ROOT, ".wrangler/startup-cpu", config.replace(/\W+/g, "-"));
  mkdirSync(outdir, { recursive: true });
  await captureWrangler(["deploy", "--dry-run", "-c", config, "--outdir", outdir]);
  const main = readdirSync(outdir).find((f) => f.endsWith(".js"))!;
  const script = readFileSync(join(outdir, main), "utf8");
  const date =
    /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(join(ROOT, config), "utf8"))?.[1] ?? "2026-11-01";
  workers.push({ name: config, script, bytes: Buffer.byteLength(script), date });
}

const samples = new Map(workers.map((w) => [w.name, { total: [] as number[], request: [] as number[] }]));
for (let run = 0; run < runs; run++) {
  for (const worker of workers) {
    const { total, request } = await coldStart(worker.script, worker.date);
    samples.get(worker.name)!.total.push(total);
    samples.get(worker.name)!.request.push(request);
  }
}

const bare = samples.get("bare Worker")!;
const min = (values: number[]) => Math.min(...values);
console.log(`cold start CPU in workerd over ${runs} runs, ms: median / least (over the bare Worker's median / least)`);
for (const worker of workers) {
  const { total, request } = samples.get(worker.name)!;
  const show = (values: number[], base: number[]) =>
    `${median(values).toFixed(1)} / ${min(values).toFixed(1)} ` +
    `(+${(median(values) - median(base)).toFixed(1)} / +${(min(values) - min(base)).toFixed(1)})`;
  console.log(
    `${worker.name.padEnd(20)} ${(worker.bytes / 1024).toFixed(0).padStart(5)} KiB` +
      `   with compile ${show(total, bare.total).padEnd(30)} first request ${show(request, bare.request)}`,
  );
}
