import type { Env } from "../env";
import type { HitQueueMessage } from "./message";

/**
 * Accepted hits go to one of N queues, bound as HITS_1 … HITS_N (one queue takes about 5,000 messages a
 * second; docs/scale.md). The queue is chosen by the pixel key, so one organization's hits share a queue
 * and its batches (one credit-counter call per organization and batch). Every queue has a consumer running
 * the same code. Queue 1 is `sightline-hits`, queue n ≥ 2 `sightline-hits-<n>`; adding one:
 * docs/operations.md#hit-queues.
 */
const BINDING = /^HITS_([1-9]\d*)$/;
const NAME = /^sightline-hits(?:-([1-9]\d*))?$/;

/** The hit queues this Worker is bound to, ascending. */
export function hitQueueNumbers(env: Env): number[] {
  return Object.keys(env)
    .map((name) => BINDING.exec(name)?.[1])
    .filter((n) => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** FNV-1a (32 bits): a stable hash of the pixel key, the same in every isolate and release. */
export function keyHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** The position (1 … count) among `count` queues that a pixel key's hits go to. */
export function hitQueueNumber(pixelKey: string, count: number): number {
  return (keyHash(pixelKey) % count) + 1;
}

/** The number n of the queue HITS_<n> a pixel key's hits go to, among the queues bound to `env`. */
export function hitQueueNumberOf(env: Env, pixelKey: string): number {
  const numbers = hitQueueNumbers(env);
  if (numbers.length === 0) throw new Error("no hit queue bound (HITS_1 … HITS_N in wrangler.toml)");
  return numbers[hitQueueNumber(pixelKey, numbers.length) - 1]!;
}

// The bindings found once per env object (the isolate's), not on every hit.
const queuesOf = new WeakMap<Env, Queue<HitQueueMessage>[]>();

function boundQueues(env: Env): Queue<HitQueueMessage>[] {
  let queues = queuesOf.get(env);
  if (!queues) {
    const bound = env as unknown as Record<string, Queue<HitQueueMessage>>;
    queues = hitQueueNumbers(env).map((n) => bound[`HITS_${n}`]!);
    if (queues.length === 0) throw new Error("no hit queue bound (HITS_1 … HITS_N in wrangler.toml)");
    queuesOf.set(env, queues);
  }
  return queues;
}

/** How many hit queues this Worker is bound to. */
export const hitQueueCount = (env: Env) => hitQueueNumbers(env).length;

/** The queue a pixel key's hits are sent to. */
export function hitQueue(env: Env, pixelKey: string): Queue<HitQueueMessage> {
  const queues = boundQueues(env);
  return queues[hitQueueNumber(pixelKey, queues.length) - 1]!;
}

/** Hit queue HITS_<n>. */
export function hitQueueOfNumber(env: Env, n: number): Queue<HitQueueMessage> {
  const queue = (env as unknown as Record<string, Queue<HitQueueMessage> | undefined>)[`HITS_${n}`];
  if (!queue) throw new Error(`hit queue HITS_${n} is not bound`);
  return queue;
}

/** The number n of the hit queue a batch came from, by its name (`sightline-hits-<n>`). */
export const hitQueueNumberOfName = (queue: string) => Number(NAME.exec(queue)?.[1] ?? 1);

/** The name of hit queue `n` (wrangler.toml's `queue` of HITS_<n>). */
export const hitQueueName = (n: number) => (n === 1 ? "sightline-hits" : `sightline-hits-${n}`);

/** Whether a batch came from a hit queue (the queue handler routes by name). */
export const isHitQueue = (queue: string) => NAME.test(queue);
