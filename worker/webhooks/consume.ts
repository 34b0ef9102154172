import type { Env } from "../env";
import { tenantEnv, type TenantEnv } from "../shards";
import { sealPlainSecrets } from "./sealed-secrets";
import { isoSeconds } from "../lib/time";
import { attemptDelivery, scheduleAttempt } from "./deliver";
import type { WebhookMessage } from "./message";

/** The webhook delivery queue (wrangler.toml) and its dead-letter queue. */
export const WEBHOOKS_QUEUE = "sightline-webhooks";
export const WEBHOOKS_DLQ = "sightline-webhooks-dlq";

/**
 * Consumer of `sightline-webhooks`: one attempt per message. The retry schedule lives in
 * D1, not in the queue's retry counter: a failed attempt is acknowledged and its delivery
 * re-sent with the delay the schedule asks for. The queue's own retries (and, after them,
 * the dead-letter queue) are kept for when this code itself fails, e.g. D1 unavailable.
 */
export async function consumeWebhooks(batch: MessageBatch<WebhookMessage>, env: Env): Promise<void> {
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        const tenant = tenantEnv(env, message.body.shard);
        const outcome = await attemptDelivery(tenant, message.body.deliveryId);
        const at = outcome.kind === "later" ? outcome.at : outcome.kind === "attempted" ? outcome.nextAttemptAt : null;
        if (at !== null) await scheduleAttempt(tenant, message.body.deliveryId, at);
        message.ack();
      } catch (err) {
        console.error("webhook delivery crashed", message.body.deliveryId, err);
        message.retry({ delaySeconds: 30 });
      }
    }),
  );
}

/**
 * Consumer of `sightline-webhooks-dlq`: a delivery whose messages kept crashing the consumer
 * is marked `failed` with the reason, so it shows in the delivery log and can be redelivered,
 * instead of staying `pending` forever.
 */
export async function consumeWebhookDeadLetters(batch: MessageBatch<WebhookMessage>, env: Env): Promise<void> {
  for (const [shard, messages] of Map.groupBy(batch.messages, (m) => m.body.shard)) {
    const { DB } = tenantEnv(env, shard);
    const mark = DB.prepare(
      `UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, lease_until = NULL,
         last_error = 'Dead-lettered: the delivery could not be processed after repeated retries (' || ? || ')'
       WHERE id = ? AND status = 'pending'`,
    );
    await DB.batch(messages.map((m) => mark.bind(isoSeconds(), m.body.deliveryId)));
  }
  batch.ackAll();
}

/** Delivery log rows (and their attempts) are kept this long. */
export const DELIVERY_RETENTION_MS = 90 * 24 * 3600_000;

/** Cron work: re-send lost messages, then forget deliveries past retention. Never throws. */
export async function maintainWebhooks(env: TenantEnv, now = Date.now()): Promise<void> {
  try {
    await resendStalled(env, now);
    await pruneDeliveries(env.DB, now);
    await sealPlainSecrets(env);
  } catch (err) {
    console.error("webhook maintenance failed", err);
  }
}

/**
 * Re-sends queue messages for pending deliveries that are long overdue (a message lost after
 * its row was written, e.g. the queue send failed). Safe to run any time: the consumer
 * claims a delivery once.
 */
export async function resendStalled(env: TenantEnv, now = Date.now(), overdueMs = 15 * 60_000): Promise<number> {
  const { results } = await env.DB.prepare(
    `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at < ?
       AND (lease_until IS NULL OR lease_until < ?) LIMIT 1000`,
  )
    .bind(isoSeconds(now - overdueMs), isoSeconds(now))
    .all<{ id: string }>();
  for (let i = 0; i < results.length; i += 100) {
    await env.WEBHOOKS.sendBatch(
      results.slice(i, i + 100).map((r) => ({ body: { deliveryId: r.id, shard: env.SHARD } })),
    );
  }
  return results.length;
}

/** Deletes finished deliveries older than the retention, a bounded number per run. */
export async function pruneDeliveries(db: D1Database, now = Date.now()): Promise<number> {
  const cutoff = isoSeconds(now - DELIVERY_RETENTION_MS);
  const old = `SELECT id FROM webhook_deliveries WHERE created_at < ? AND status != 'pending' LIMIT 500`;
  const [, deleted] = await db.batch([
    db.prepare(`DELETE FROM webhook_attempts WHERE delivery_id IN (${old})`).bind(cutoff),
    db.prepare(`DELETE FROM webhook_deliveries WHERE id IN (${old})`).bind(cutoff),
  ]);
  return deleted!.meta.changes;
}
