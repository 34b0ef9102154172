/**
 * Where the CPU of a profiled run went (bench/inspector.ts's profiles of every isolate in workerd):
 * the product Worker's samples by the source file of the function running (the bundle's source map says
 * which file; the esbuild metafile's import graph says whether it belongs to the edge or to the queue
 * consumer), or by the platform API our code was in; the samples of Miniflare's simulators of the bindings
 * by isolate; and what neither explains (the process's CPU time less every isolate's samples).
 */
import { dirname, join, normalize } from "node:path";
import { SourceMap } from "node:module";
import { build } from "esbuild";
import { ROOT } from "../scripts/lib.ts";
import type { CpuProfile, ProfileNode } from "./inspector.ts";

/** The rows of the attribution, in the order the report shows them. */
export const BUCKETS = {
  edge: "product, the edge: `worker/index.ts`, `worker/collect/hit-route.ts` and the modules it imports",
  consumer: "product, the queue consumer: modules only `worker/collect/consume.ts` reaches",
  otherProduct: "product, other modules",
  hono: "Hono",
  zod: "zod",
  openapi: "OpenAPI layer (`@hono/zod-openapi`, zod-to-openapi)",
  libraries: "other libraries",
  platform: "the Worker's isolate: platform APIs our code calls (workerd's C++: queue send, KV get, Response, …)",
  gc: "the Worker's isolate: garbage collection",
  builtins: "the Worker's isolate: workerd's built-in modules (the rate limiter's and D1's binding clients)",
  runtime: "the Worker's isolate: workerd's runtime (no code of ours on the stack)",
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

/** The import graph of worker/index.ts (esbuild metafile): what `hit-route.ts` and `consume.ts` reach. */
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
  const edge = reach("worker/collect/hit-route.ts");
  edge.add("worker/index.ts");
  const consumer = new Set([...reach("worker/collect/consume.ts")].filter((f) => !edge.has(f)));
  return { edge, consumer };
}

function isolateBucket(target: string, workerName: string): Bucket | "worker" {
  if (target === `core:user:${workerName}`) return "worker";
  if (target === "core:user:bench-bare") return "bare";
  if (target === "core:entry") return "entry";
  if (target.startsWith("assets:")) return "assets";
  if (target.startsWith("kv:")) return "kv";
  if (target.startsWith("queues:")) return "queue";
  if (target.startsWith("ratelimit:")) return "rateLimiter";
  if (target.startsWith("d1:")) return "d1";
  return "otherIsolates";
}

function fileBucket(file: string, roles: ModuleRoles): Bucket {
  if (file.startsWith("node_modules/hono/")) return "hono";
  if (file.startsWith("node_modules/zod/")) return "zod";
  if (/^node_modules\/(@hono\/zod-openapi|@asteasolutions\/zod-to-openapi)\//.test(file)) return "openapi";
  if (file.startsWith("node_modules/")) return "libraries";
  if (roles.edge.has(file)) return "edge";
  if (roles.consumer.has(file)) return "consumer";
  return "otherProduct";
}

/** CPU (µs) per bucket in one run, and per product source file. */
export interface Attribution {
  micros: Record<Bucket, number>;
  /** Functions of our bundle (file, function, its first line; → the platform API it was in), µs each. */
  functions: Map<string, number>;
}

/**
 * Attributes every isolate's samples (a sample stands for one sampling interval of its isolate's work)
 * and the process's remaining CPU time. `bundleUrl` is the script's name in the Worker's profile.
 */
export function attribute(
  profiles: Map<string, CpuProfile>,
  o: {
    workerName: string;
    bundleUrl: string;
    sourceMap: string;
    roles: ModuleRoles;
    intervalMicros: number;
    processMicros: number;
  },
): Attribution {
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
  const micros = Object.fromEntries(Object.keys(BUCKETS).map((b) => [b, 0])) as Record<Bucket, number>;
  const functions = new Map<string, number>();
  for (const [target, profile] of profiles) {
    const where = isolateBucket(target, o.workerName);
    const interval = o.intervalMicros;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    for (const id of profile.samples) {
      const leaf = nodes.get(id)!;
      const name = leaf.callFrame.functionName;
      if (name === "(idle)" || name === "(root)") continue;
      if (where !== "worker") {
        micros[where] += interval;
        continue;
      }
      if (name === "(garbage collector)") {
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
            ? fileBucket(source(node.callFrame).file, o.roles)
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
  const isolates = Object.values(micros).reduce((a, b) => a + b, 0);
  micros.native = Math.max(0, o.processMicros - isolates);
  return { micros, functions };
}
