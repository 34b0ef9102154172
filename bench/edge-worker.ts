/**
 * The edge Worker (wrangler.edge.toml, worker/edge/worker.ts: the pixel path alone, as production serves
 * it) in the bench's workerd, beside the product Worker whose queue consumer stores its hits and the bare
 * baseline: reached through Miniflare's entry by its Host, like them. Its bindings are its configuration's,
 * which name the main Worker's D1, KV, queues and limiters, so both Workers share the local state.
 */
import { join } from "node:path";
import type { V4WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { ROOT } from "../scripts/lib.ts";
import { bundleWithSourceMap, E2E_WEBHOOK_SECRET_KEY } from "../test/browser/support/worker.ts";

export const EDGE_HOST = "edge.bench";
export const EDGE_NAME = "sightline-edge";
/** The edge bundle's name in workerd (and so in its CPU profiles). */
export const EDGE_BUNDLE_URL = "worker/edge/worker.js";

export async function edgeWorker(o: {
  hitsPerMinute?: number;
  sourceMap?: boolean;
}): Promise<{ options: V4WorkerOptions; sourceMap?: string }> {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.edge.toml"));
  const { code, map } = await bundleWithSourceMap(join(ROOT, "worker/edge/worker.ts"), o.sourceMap ?? false);
  const limiters = (workerOptions.ratelimits ?? {}) as Record<string, object>;
  const unlimited = (name: string) => ({ ...limiters[name], simple: { limit: o.hitsPerMinute, period: 60 } });
  return {
    sourceMap: map,
    options: {
      ...workerOptions,
      name: EDGE_NAME,
      modules: [{ type: "ESModule", path: join(ROOT, EDGE_BUNDLE_URL), contents: code }],
      modulesRules: undefined,
      routes: [`${EDGE_HOST}/*`],
      ratelimits:
        o.hitsPerMinute === undefined
          ? workerOptions.ratelimits
          : { ...limiters, HIT_LIMITER: unlimited("HIT_LIMITER"), PIXEL_LIMITER: unlimited("PIXEL_LIMITER") },
      bindings: { ...(workerOptions.bindings as Record<string, unknown>), WEBHOOK_SECRET_KEY: E2E_WEBHOOK_SECRET_KEY },
    } as V4WorkerOptions,
  };
}
