/**
 * The rooms of docs/architecture.md, kept by the import graph of the real entries. Each rule
 * names the imports that break it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { type Import, type ImportGraph, importGraph, ROOT, sourceImports } from "./import-graph.ts";

/** The main Worker (everything) and the edge Worker (the pixel path alone, wrangler.edge.toml). */
const WORKER = "worker/index.ts";
const EDGE_WORKER = "worker/edge/worker.ts";

/** HTTP front-ends: thin layers over the domain folders, none importing another. */
const FRONT_ENDS = ["worker/partner-api/", "worker/admin/", "worker/dashboard/", "worker/demo/", "worker/edge/"];
/** Rooms worker/index.ts loads on first use, through `import()`. */
const LAZY_ROOMS = ["worker/api.ts", "worker/dashboards.ts", "worker/background/"];
/** The rooms that mount front-ends (and the two entries). */
const ASSEMBLERS = [WORKER, EDGE_WORKER, "worker/api.ts", "worker/dashboards.ts"];
/** Never in what the edge or a Durable Object evaluates at startup: the OpenAPI layer and zod. */
const NEVER_EAGER = ["worker/http/", "node_modules/@hono/zod-openapi/", "node_modules/zod/", "worker/config.ts"];

/**
 * Bytes the edge Worker's inputs may add up to (esbuild's bytes in output, unminified). Measured
 * (docs/architecture.md#cold-start): 117,440 B, Hono 63 KB of it, about 2 ms of workerd CPU over a
 * bare Worker. zod/mini alone would add 28 KB and several ms, the full zod 780 KB.
 */
const EDGE_BUDGET_BYTES = 128 * 1024;

const under = (prefixes: string[]) => (file: string) => prefixes.some((p) => file === p || file.startsWith(p));
const isFrontEnd = under(FRONT_ENDS);
const isLazyRoom = under(LAZY_ROOMS);
/** The folder (or root module) a file belongs to: `worker/credits/`, `worker/shards.ts`, `shared/`. */
const folderOf = (file: string) => {
  const parts = file.split("/");
  if (parts[0] === "node_modules") return parts.slice(0, parts[1]!.startsWith("@") ? 3 : 2).join("/") + "/";
  return parts[0] === "worker" && parts.length > 2
    ? `worker/${parts[1]}/`
    : parts.length > 1 && parts[0] !== "worker"
      ? `${parts[0]}/`
      : file;
};
/** The shortest way from `start` back to itself, as `a -> b -> a`, or null. */
function circleThrough(start: string, next: Map<string, Set<string>>): string | null {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    for (const to of next.get(node) ?? []) {
      if (to === start) {
        const path = [to];
        for (let at: string | undefined = node; at !== undefined; at = cameFrom.get(at)) path.unshift(at);
        return path.join(" -> ");
      }
      if (!cameFrom.has(to) && to !== start) (cameFrom.set(to, node), queue.push(to));
    }
  }
  return null;
}

const show = (i: Import) => `${i.from} -> ${i.to}${i.lazy ? " (import())" : ""}`;

let graph: ImportGraph;
beforeAll(async () => {
  graph = await importGraph([WORKER, EDGE_WORKER]);
}, 60_000);

describe("the rooms of the Worker", () => {
  it("no front-end imports another front-end", () => {
    const crossing = graph.imports.filter(
      (i) => isFrontEnd(i.from) && isFrontEnd(i.to) && folderOf(i.from) !== folderOf(i.to),
    );
    expect(crossing.map(show)).toEqual([]);
  });

  it("only the entries and the rooms that mount them import a front-end: no domain, data-plane or background module does", () => {
    const upward = graph.imports.filter((i) => isFrontEnd(i.to) && !isFrontEnd(i.from) && !ASSEMBLERS.includes(i.from));
    expect(upward.map(show)).toEqual([]);
  });

  it("worker/index.ts loads the APIs, the dashboards and the background work through import() only, and nothing else loads them", () => {
    const eager = graph.eager(WORKER);
    expect([...eager].filter(isLazyRoom)).toEqual([]);
    const intoRooms = graph.imports.filter((i) => isLazyRoom(i.to) && !isLazyRoom(i.from) && i.from !== WORKER);
    expect(intoRooms.map(show)).toEqual([]);
  });

  it("what the Worker evaluates at startup (the edge and the Durable Objects) has no OpenAPI layer, no zod and no front-end but the edge", () => {
    const eager = [...graph.eager(WORKER)];
    expect(eager.filter(under(NEVER_EAGER))).toEqual([]);
    expect(eager.filter((f) => isFrontEnd(f) && !f.startsWith("worker/edge/"))).toEqual([]);
  });

  it("the edge Worker evaluates only the pixel path: no OpenAPI layer, no zod, no other room, within its byte budget", () => {
    const eager = [...graph.eager(EDGE_WORKER)];
    expect(eager.filter(under(NEVER_EAGER))).toEqual([]);
    expect(eager.filter((f) => (isFrontEnd(f) && !f.startsWith("worker/edge/")) || isLazyRoom(f))).toEqual([]);
    const bytes = eager.reduce((sum, file) => sum + graph.bytesIn(EDGE_WORKER, file), 0);
    const byFolder = Object.groupBy(eager, folderOf);
    const heaviest = Object.entries(byFolder)
      .map(([folder, files]) => `${folder} ${files!.reduce((s, f) => s + graph.bytesIn(EDGE_WORKER, f), 0)} B`)
      .join(", ");
    expect(bytes, `edge inputs: ${heaviest}`).toBeLessThanOrEqual(EDGE_BUDGET_BYTES);
  });

  it("no two folders of the Worker import each other, directly or around a circle, but for the type Env", () => {
    // From the sources, type-only imports included: the generated Env names the queue messages of the
    // folders below it, and every folder may name Env.
    const next = new Map<string, Set<string>>();
    for (const i of sourceImports("worker").filter((i) => i.to !== "worker/env.ts")) {
      const [from, to] = [folderOf(i.from), folderOf(i.to)];
      if (from !== to) next.set(from, (next.get(from) ?? new Set()).add(to));
    }
    const circles = [...next.keys()].map((start) => circleThrough(start, next)).filter((c) => c !== null);
    expect(circles).toEqual([]);
  });
});

describe("the edge Worker's configuration", () => {
  const main = unstable_readConfig({ config: `${ROOT}/wrangler.toml` });
  const edge = unstable_readConfig({ config: `${ROOT}/wrangler.edge.toml` });
  const byName = <T>(list: T[], name: (item: T) => string) => new Map(list.map((item) => [name(item), item]));

  it("binds what the pixel path uses exactly as the main Worker does", () => {
    const pairs: [unknown[], unknown[], (b: any) => string][] = [
      [edge.d1_databases, main.d1_databases, (b) => b.binding],
      [edge.kv_namespaces, main.kv_namespaces, (b) => b.binding],
      [edge.ratelimits, main.ratelimits, (b) => b.name],
      [edge.queues.producers ?? [], main.queues.producers ?? [], (b) => b.binding],
    ];
    for (const [edgeBindings, mainBindings, name] of pairs) {
      const mains = byName(mainBindings, name);
      for (const binding of edgeBindings)
        expect(mains.get(name(binding)), name(binding)).toMatchObject(binding as object);
    }
    expect(edge.compatibility_date).toBe(main.compatibility_date);
    expect(edge.compatibility_flags).toEqual(main.compatibility_flags);
  });

  it("has every database a pixel key may live in and every hit queue", () => {
    const names = (list: { binding: string }[]) => list.map((b) => b.binding).sort();
    expect(names(edge.d1_databases)).toEqual(names(main.d1_databases));
    const hitQueues = (list: { binding: string }[] = []) => names(list.filter((b) => /^HITS_\d+$/.test(b.binding)));
    expect(hitQueues(edge.queues.producers)).toEqual(hitQueues(main.queues.producers));
  });

  it("hands hits to the main Worker's collectors", () => {
    const collectors = (list: { name: string; class_name: string; script_name?: string }[]) =>
      list.find((b) => b.name === "HIT_COLLECTORS");
    expect(collectors(main.durable_objects.bindings)).toMatchObject({ class_name: "HitCollector" });
    expect(collectors(edge.durable_objects.bindings)).toEqual({
      name: "HIT_COLLECTORS",
      class_name: "HitCollector",
      script_name: main.name,
    });
  });
});
