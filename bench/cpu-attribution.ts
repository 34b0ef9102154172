/**
 * Where the CPU of a profiled run went (bench/inspector.ts's profiles of every isolate in workerd):
 * the product Workers' samples (the edge Worker's and the main Worker's, whose queue consumer stores the
 * edge's hits) by the source file of the function running (each bundle's source map says which file; the
 * esbuild metafile's import graph says whether it belongs to the edge or to the queue consumer), or by the
 * platform API our code was in; the samples of Miniflare's simulators of the bindings by isolate; and what
 * neither explains (the process's CPU time less every isolate's samples).
 */
import { dirname, join, normalize } from "node:path";
import { SourceMap } from "node:module";
import { build } from "esbuild";
import { ROOT } from "../scripts/lib.ts";
import type { CpuProfile, ProfileNode } from "./inspector.ts";

/** The rows of the attribution, in the order the report shows them. */
export const BUCKETS = {
  edge: "product, the edge: `worker/edge/` and the modules it imports",
  consumer: "product, the queue consumer: modules only `worker/collect/consume.ts` reaches",
  otherProduct: "product, other modules",
  hono: "Hono",
  zod: "zod",
  openapi: "OpenAPI layer (`@hono/zod-openapi`, zod-to-openapi)",
  libraries: "other libraries",
  platform: "the Workers' isolates: platform APIs our code calls (workerd's C++: queue send, KV get, Response, …)",
  gc: "the Workers' isolates: garbage collection",
  builtins: "the Workers' isolates: workerd's built-in modules (the rate limiter's and D1's binding clients)",
  runtime: "the Workers' isolates: workerd's runtime (no code of ours on the stack)",
  kv: "emulated KV (`PIXELS`)",
  queue: "emulated queue broker (`HITS_<n>`)",
  rateLimiter: "emulated rate limiters (`HIT_LIMITER`, `PIXEL_LIMITER`)",
  d1: "emulated D1",
  assets: "emulated static-assets router (runs before the Worker in production)",
  entry: "Miniflare's entry Worker (routing, local only)",
  bare: "bench-only bare 204 Worker",
  otherIsolates: "Miniflare's other services",
  native: "workerd outside any isolate (HTTP, calls between isolates, storage, the profiler itself)",
} as const;
export type Bucket = keyof typeof BUCKETS;

/** Buckets that are the product's own code (what the product can make cheaper). */
export const PRODUCT: Bucket[] = ["edge", "consumer", "otherProduct"];
/** Buckets that production does not run in the Worker (Miniflare's simulators and routing). */
export const EMULATED: Bucket[] = ["kv", "queue", "rateLimiter", "d1", "assets", "entry", "otherIsolates"];

/** The Worker's modules by role: files the hit route reaches, and files only the queue consumer reaches. */
export interface ModuleRoles {
  edge: Set<string>;
  consumer: Set<string>;
}

/** The import graph of worker/index.ts (esbuild metafile): what the edge (`worker/edge/index.ts`) and `consume.ts` reach. */
export async function moduleRoles(): Promise<ModuleRoles> {
  const out = await build({
    entryPoints: [join(ROOT, "worker/index.ts")],
    absWorkingDir: ROOT,
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    write: false,
    metafile: true,
    logLevel: "warning",
  });
  const inputs = out.metafile.inputs;
  const reach = (from: string) => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file) || !inputs[file]) return;
      seen.add(file);
      for (const i of inputs[file]!.imports) if (i.kind === "import-statement") visit(i.path);
    };
    visit(from);
    return seen;
  };
  const edge = reach("worker/edge/index.ts");
  edge.add("worker/index.ts");
  edge.add("worker/edge/worker.ts");
  const consumer = new Set([...reach("worker/collect/consume.ts")].filter((f) => !edge.has(f)));
  return { edge, consumer };
}

function isolateBucket(target: string): Bucket {
  if (target === "core:user:bench-bare") return "bare";
  if (target === "core:entry") return "entry";
  if (target.startsWith("assets:")) return "assets";
  if (target.startsWith("kv:")) return "kv";
  if (target.startsWith("queues:")) return "queue";
  if (target.startsWith("ratelimit:")) return "rateLimiter";
  if (target.startsWith("d1:")) return "d1";
  return "otherIsolates";
}

function fileBucket(file: string, product: (file: string) => Bucket): Bucket {
  if (file.startsWith("node_modules/hono/")) return "hono";
  if (file.startsWith("node_modules/zod/")) return "zod";
  if (/^node_modules\/(@hono\/zod-openapi|@asteasolutions\/zod-to-openapi)\//.test(file)) return "openapi";
  if (file.startsWith("node_modules/")) return "libraries";
  return product(file);
}

/** The main Worker's product files by role: the edge's, the consumer's, the rest. */
export const mainWorkerFiles =
  (roles: ModuleRoles) =>
  (file: string): Bucket =>
    roles.edge.has(file) ? "edge" : roles.consumer.has(file) ? "consumer" : "otherProduct";

/** A product Worker whose isolate is profiled: its name in workerd, its bundle and what its files are. */
export interface ProfiledWorker {
  name: string;
  /** The script's name in the isolate's profile. */
  bundleUrl: string;
  sourceMap: string;
  /** The bucket of one of its product source files. */
  product: (file: string) => Bucket;
}

/** CPU (µs) per bucket in one run, per product Worker's isolate, and per function of our bundles. */
export interface Attribution {
  micros: Record<Bucket, number>;
  /** Each product Worker's isolate, all its buckets together. */
  byWorker: Record<string, number>;
  /** Functions of our bundles (file, function, its first line; → the platform API it was in), µs each. */
  functions: Map<string, number>;
}

/**
 * Attributes every isolate's samples (a sample stands for one sampling interval of its isolate's work)
 * and the process's remaining CPU time.
 */
export function attribute(
  profiles: Map<string, CpuProfile>,
  o: { workers: ProfiledWorker[]; intervalMicros: number; processMicros: number },
): Attribution {
  const micros = Object.fromEntries(Object.keys(BUCKETS).map((b) => [b, 0])) as Record<Bucket, number>;
  const byWorker: Record<string, number> = Object.fromEntries(o.workers.map((w) => [w.name, 0]));
  const functions = new Map<string, number>();
  const interval = o.intervalMicros;
  for (const [target, profile] of profiles) {
    const worker = o.workers.find((w) => target === `core:user:${w.name}`);
    const counted = profile.samples.filter((id) => !IDLE.has(nodeName(profile, id)));
    if (!worker) {
      micros[isolateBucket(target)] += counted.length * interval;
      continue;
    }
    byWorker[worker.name] = counted.length * interval;
    attributeWorker(profile, counted, worker, interval, micros, functions);
  }
  const isolates = Object.values(micros).reduce((a, b) => a + b, 0);
  micros.native = Math.max(0, o.processMicros - isolates);
  return { micros, byWorker, functions };
}

const IDLE = new Set(["(idle)", "(root)"]);
const nodeNames = new WeakMap<CpuProfile, Map<number, string>>();
function nodeName(profile: CpuProfile, id: number): string {
  let names = nodeNames.get(profile);
  if (!names) nodeNames.set(profile, (names = new Map(profile.nodes.map((n) => [n.id, n.callFrame.functionName]))));
  return names.get(id) ?? "";
}

/** One product Worker's samples: by source file through its source map, or by what the runtime was doing. */
function attributeWorker(
  profile: CpuProfile,
  samples: number[],
  o: ProfiledWorker,
  interval: number,
  micros: Record<Bucket, number>,
  functions: Map<string, number>,
): void {
  const map = new SourceMap(JSON.parse(o.sourceMap));
  const sourceDir = dirname(o.bundleUrl);
  const sources = new Map<string, { file: string; line: number }>();
  const source = (frame: ProfileNode["callFrame"]) => {
    const key = `${frame.lineNumber}:${frame.columnNumber}`;
    let found = sources.get(key);
    if (found === undefined) {
      const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as {
        originalSource?: string;
        originalLine?: number;
      };
      found = entry.originalSource
        ? { file: normalize(join(sourceDir, entry.originalSource)), line: (entry.originalLine ?? 0) + 1 }
        : { file: "", line: 0 };
      sources.set(key, found);
    }
    return found;
  };
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  for (const id of samples) {
    const leaf = nodes.get(id)!;
    if (leaf.callFrame.functionName === "(garbage collector)") {
      micros.gc += interval;
      continue;
    }
    // The innermost JS frame: ours (by source file), or of workerd's built-in modules (binding clients
    // such as the rate limiter's and D1's). Native frames under it are platform APIs it called.
    let node: ProfileNode | undefined = leaf;
    while (node && !node.callFrame.url) node = nodes.get(parent.get(node.id) ?? -1);
    const bucket: Bucket = !node
      ? "runtime"
      : node.callFrame.url !== o.bundleUrl
        ? "builtins"
        : node === leaf
          ? fileBucket(source(node.callFrame).file, o.product)
          : "platform";
    micros[bucket] += interval;
    if (node?.callFrame.url === o.bundleUrl) {
      const { file, line } = source(node.callFrame);
      const name = `\`${file.replace(/^node_modules\//, "")}\` ${node.callFrame.functionName || "(anonymous)"} (line ${line})`;
      const fn = node === leaf ? name : `${name} → ${leaf.callFrame.functionName || "(native)"}`;
      functions.set(fn, (functions.get(fn) ?? 0) + interval);
    }
  }
}
