import type { Env } from "../env";
import { hitQueueNumberOfName, hitQueueOfNumber } from "./hit-queues";
import type { HitBundle, HitMessage, HitQueueMessage } from "./message";

/** Deliveries a hit gets in all (the hit queues' `max_retries` + 1), after which it is dead-lettered. */
export const MAX_DELIVERIES = 11;

/** A hit of a bundle as a message of its own, remembering what the consumer asked of it. */
interface Unbundled extends Message<HitMessage> {
  asked?: { retry: true; delaySeconds: number } | { retry: false };
}

/**
 * The hits of a batch whose messages may be bundles (worker/collect/hit-collector.ts), as the consumer
 * takes them: each hit a message of its own (id `<bundle id>/<n>`, stable across redeliveries), its
 * attempts counting the deliveries it had in earlier bundles. After `consume`, a bundle is acknowledged
 * when all its hits were; retried as it is when all are retried; otherwise the hits to retry go back to
 * their queue in a bundle of their own (delayed as asked) and the bundle is acknowledged, so the hits
 * already stored are not taken again. A hit past MAX_DELIVERIES goes to the dead-letter queue.
 */
export async function consumeBundles(
  batch: MessageBatch<HitQueueMessage>,
  env: Env,
  consume: (batch: MessageBatch<HitMessage>, env: Env) => Promise<void>,
): Promise<void> {
  const parts = new Map<Message<HitQueueMessage>, Unbundled[]>();
  for (const m of batch.messages) {
    const body = m.body;
    if (body.kind !== "bundle") continue;
    parts.set(
      m,
      body.hits.map((hit, n) => unbundled(`${m.id}/${n}`, m.timestamp, hit, m.attempts + (body.attempts?.[n] ?? 0))),
    );
  }
  const messages = batch.messages.flatMap((m) => parts.get(m) ?? [m as Message<HitMessage>]);
  await consume({ ...batch, messages } as MessageBatch<HitMessage>, env);
  for (const [m, hits] of parts) await settle(m, m.body as HitBundle, hits, batch.queue, env);
}

function unbundled(id: string, timestamp: Date, body: HitMessage, attempts: number): Unbundled {
  const message: Unbundled = {
    id,
    timestamp,
    body,
    attempts,
    ack: () => void (message.asked ??= { retry: false }),
    retry: (options?: QueueRetryOptions) =>
      void (message.asked = { retry: true, delaySeconds: options?.delaySeconds ?? 0 }),
  };
  return message;
}

async function settle(m: Message<HitQueueMessage>, bundle: HitBundle, hits: Unbundled[], queue: string, env: Env) {
  const again = hits.flatMap((h, n) => (h.asked?.retry ? [{ hit: bundle.hits[n]!, message: h }] : []));
  if (again.length === 0) return m.ack();
  const delaySeconds = Math.max(...again.map((a) => (a.message.asked as { delaySeconds: number }).delaySeconds));
  const dead = again.filter((a) => a.message.attempts >= MAX_DELIVERIES);
  const live = again.filter((a) => a.message.attempts < MAX_DELIVERIES);
  if (live.length === hits.length) return m.retry({ delaySeconds });
  try {
    if (live.length > 0) {
      const retried: HitBundle = {
        kind: "bundle",
        hits: live.map((a) => a.hit),
        // The next delivery of the new bundle counts 1: these are the deliveries before it.
        attempts: live.map((a) => a.message.attempts),
      };
      await hitQueueOfNumber(env, hitQueueNumberOfName(queue)).send(retried, { delaySeconds });
    }
    if (dead.length > 0) await env.HITS_DLQ.send({ kind: "bundle", hits: dead.map((a) => a.hit) } satisfies HitBundle);
    m.ack();
  } catch (error) {
    console.error("re-sending the hits to retry failed; the bundle is retried whole", error);
    m.retry({ delaySeconds });
  }
}
