import type { Env } from "../env";
import { isoSeconds } from "../lib/time";
import { tenantEnv, type TenantEnv } from "../shards";
import { attemptAlert } from "./deliver";
import { NOTIFICATIONS_DLQ, type NotificationMessage } from "./message";

/** Delivery log rows are kept this long. */
export const ALERT_DELIVERY_RETENTION_MS = 30 * 24 * 3600_000;
/** A pending delivery free of any attempt this long has lost its queue message: the cron sends another. */
const STALLED_S = 120;
/** Rows pruned or re-sent per cron run and shard. */
const MAINTENANCE_BATCH = 500;

/**
 * Consumer of `sightline-notifications` (one attempt per message; a 429 or a failure brings the message
 * back with its delay) and of its dead-letter queue, whose messages kept crashing the consumer: their
 * deliveries are marked `failed` with the reason, so the log shows them instead of `pending` forever.
 */
export async function consumeNotifications(batch: MessageBatch<NotificationMessage>, env: Env): Promise<void> {
  if (batch.queue === NOTIFICATIONS_DLQ) return markDeadLetters(batch, env);
  await Promise.all(
    batch.messages.map(async (message) => {
      try {
        const outcome = await attemptAlert(tenantEnv(env, message.body.shard), message.body.deliveryId);
        if (outcome.kind === "retry") message.retry({ delaySeconds: outcome.delaySeconds });
        else message.ack();
      } catch (err) {
        console.error("alert delivery crashed", message.body.deliveryId, err);
        message.retry({ delaySeconds: 30 });
      }
    }),
  );
}

async function markDeadLetters(batch: MessageBatch<NotificationMessage>, env: Env): Promise<void> {
  for (const [shard, messages] of Map.groupBy(batch.messages, (m) => m.body.shard)) {
    const { DB } = tenantEnv(env, shard);
    const mark = DB.prepare(
      `UPDATE alert_deliveries SET status = 'failed', lease_until = NULL,
         error = 'Dead-lettered: the delivery could not be processed after repeated retries (' || ? || ')'
       WHERE id = ? AND status = 'pending'`,
    );
    await DB.batch(messages.map((m) => mark.bind(isoSeconds(), m.body.deliveryId)));
  }
  batch.ackAll();
}

/**
 * Cron work of one shard: re-sends the queue message of deliveries stalled `pending` (a message lost
 * after its row was written; the attempt's claim makes a duplicate harmless), then forgets delivery log
 * rows past the retention and cooldowns that are over. Never throws.
 */
export async function maintainAlerts(env: TenantEnv, now = Date.now()): Promise<void> {
  try {
    const nowS = Math.floor(now / 1000);
    const [stalled] = await env.DB.batch<{ id: string }>([
      env.DB.prepare(
        `SELECT id FROM alert_deliveries WHERE status = 'pending' AND created_at < ?
           AND coalesce(lease_until, 0) < ? LIMIT ${MAINTENANCE_BATCH}`,
      ).bind(isoSeconds(now - STALLED_S * 1000), nowS - STALLED_S),
      env.DB.prepare(
        `DELETE FROM alert_deliveries WHERE id IN (SELECT id FROM alert_deliveries WHERE created_at < ? AND status != 'pending'
           LIMIT ${MAINTENANCE_BATCH})`,
      ).bind(isoSeconds(now - ALERT_DELIVERY_RETENTION_MS)),
      env.DB.prepare(
        `DELETE FROM alert_claims WHERE (rule_id, visitor) IN
           (SELECT rule_id, visitor FROM alert_claims WHERE until < ? LIMIT ${MAINTENANCE_BATCH})`,
      ).bind(nowS),
    ]);
    const ids = stalled!.results.map((r) => r.id);
    for (let i = 0; i < ids.length; i += 100) {
      await env.NOTIFICATIONS.sendBatch(
        ids.slice(i, i + 100).map((deliveryId) => ({ body: { deliveryId, shard: env.SHARD } })),
      );
    }
  } catch (err) {
    console.error("alert maintenance failed", err);
  }
}
