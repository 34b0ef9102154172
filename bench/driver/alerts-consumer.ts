/**
 * Bench-only Worker (never deployed, no production route): the product's hits consumer driven with
 * batches the bench builds, in the same workerd as the product Worker, on its D1 databases and credit
 * counters, for the alerts section (bench/alerts/throughput.ts). Unlike bench/driver/consumer.ts it
 * meters nothing (the figures are times) and binds `NOTIFICATIONS`: the alerts the consumer fires are
 * queued, on a queue of their own that no consumer takes, so what is timed is the hits consumer alone
 * and not also the Slack, Teams and e-mail deliveries it causes.
 *
 * POST /run { messages: [{ id, body, attempts }], batchSize } → { ms, batches, retried }: the messages
 * handed to the consumer in batches of `batchSize`, one batch after the other as a queue with one
 * consumer delivers them, timed here (no Node round trip per batch).
 */
import { consumeHits } from "../../worker/collect/consume";
import { hitQueueName, hitQueueNumberOf } from "../../worker/collect/hit-queues";
import type { HitMessage } from "../../worker/collect/message";
import type { Env } from "../../worker/env";

interface QueuedMessage {
  id: string;
  body: HitMessage;
  attempts: number;
}

/** A queue batch as the runtime hands it to the consumer, remembering which messages it retried. */
function messageBatch(env: Env, messages: QueuedMessage[]) {
  const retried = new Set<string>();
  const first = messages[0]?.body;
  const batch = {
    queue: hitQueueName(first?.kind === "hit" ? hitQueueNumberOf(env, first.hit.k) : 1),
    messages: messages.map((m) => ({
      id: m.id,
      timestamp: new Date(),
      body: m.body,
      attempts: m.attempts,
      ack: () => {},
      retry: () => retried.add(m.id),
    })),
    ackAll: () => {},
    retryAll: () => messages.forEach((m) => retried.add(m.id)),
  } as unknown as MessageBatch<HitMessage>;
  return { batch, retried };
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    if (new URL(request.url).pathname !== "/run") return new Response("not found", { status: 404 });
    const { messages, batchSize } = (await request.json()) as { messages: QueuedMessage[]; batchSize: number };
    const started = Date.now();
    let batches = 0;
    let retried = 0;
    for (let k = 0; k < messages.length; k += batchSize, batches++) {
      const delivered = messageBatch(env, messages.slice(k, k + batchSize));
      await consumeHits(delivered.batch, env);
      retried += delivered.retried.size;
    }
    return Response.json({ ms: Date.now() - started, batches, retried });
  },
};
