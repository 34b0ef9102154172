import type { Env } from "../env";
import type { HitCollector } from "./hit-collector";
import { hitQueueCount, hitQueueNumberOf, keyHash } from "./hit-queues";
import type { HitMessage } from "./message";

/**
 * Collectors per hit queue. A Durable Object takes about 1,000 simple requests a second; eight per queue
 * keep each well under that at a queue's 5,000 messages a second, and gather enough hits each to fill
 * bundles (docs/scale.md). A pixel key's hits always go to the same collector, so an organization's hits
 * travel together.
 */
export const COLLECTORS_PER_QUEUE = 8;

/** The collector a pixel key's hits go to: `<queue>/<slot>`, for the queue the key's hits belong to. */
export function collectorName(env: Env, pixelKey: string): { queue: number; name: string } {
  const queue = hitQueueNumberOf(env, pixelKey);
  const slot = Math.floor(keyHash(pixelKey) / hitQueueCount(env)) % COLLECTORS_PER_QUEUE;
  return { queue, name: `${queue}/${slot}` };
}

/**
 * Hands a hit to its collector, which sends it to its hit queue in a bundle: resolves once the bundle
 * is in the queue, so the edge answers a hit only when it is safe.
 */
export function collectHit(env: Env, pixelKey: string, message: HitMessage): Promise<void> {
  const { queue, name } = collectorName(env, pixelKey);
  const stub = env.HIT_COLLECTORS.get(env.HIT_COLLECTORS.idFromName(name)) as DurableObjectStub<HitCollector>;
  return stub.collect(queue, message);
}
