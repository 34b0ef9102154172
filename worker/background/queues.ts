import { consumeBundles } from "../collect/bundles";
import { consumeHits } from "../collect/consume";
import { isHitQueue } from "../collect/hit-queues";
import { consumeDeadLetters, HITS_DLQ, JOBS_DLQ } from "../dead-letters/consume";
import type { Env } from "../env";
import { JOBS_QUEUE } from "../jobs/message";
import { consumeWebhookDeadLetters, consumeWebhooks, WEBHOOKS_DLQ, WEBHOOKS_QUEUE } from "../webhooks/consume";
import { consumeJobs } from "./jobs";
import { consumeNotifications } from "../alerts/consume";
import { NOTIFICATIONS_DLQ, NOTIFICATIONS_QUEUE } from "../alerts/message";

type Consumer = (batch: MessageBatch<never>, env: Env) => Promise<void>;

const named =
  (...names: string[]) =>
  (queue: string) =>
    names.includes(queue);

/**
 * Several queues, one consumer Worker: which consumer takes a batch, by the name of the queue it
 * came from (`[[queues.consumers]]` in wrangler.toml). A new queue is one line here.
 */
const CONSUMERS: [takes: (queue: string) => boolean, consume: Consumer][] = [
  [isHitQueue, (batch, env) => consumeBundles(batch, env, consumeHits)],
  [named(JOBS_QUEUE), consumeJobs],
  [named(WEBHOOKS_QUEUE), consumeWebhooks],
  [named(WEBHOOKS_DLQ), consumeWebhookDeadLetters],
  [named(HITS_DLQ, JOBS_DLQ), consumeDeadLetters],
  [named(NOTIFICATIONS_QUEUE, NOTIFICATIONS_DLQ), consumeNotifications],
];

/** The queue handler: a batch to its consumer; a queue nobody consumes fails (and is retried, then dead-lettered). */
export async function consumeBatch(batch: MessageBatch<never>, env: Env): Promise<void> {
  const consume = CONSUMERS.find(([takes]) => takes(batch.queue))?.[1];
  if (!consume) throw new Error(`no consumer for queue ${batch.queue}`);
  await consume(batch, env);
}
