import type { WebhookChannel } from "../../shared/webhooks";
import { randomHex } from "../lib/ids";
import { isoSeconds } from "../lib/time";
import type { TenantEnv } from "../shards";
import { attemptDelivery, scheduleAttempt, type AttemptOutcome, type DeliveryRow } from "./deliver";
import { deliveryId, payloadOf } from "./events";
import type { EventFields } from "./payloads";

/**
 * Sends one `webhook.test` event to the channel's URL now, even when the webhook is switched off
 * or was disabled, and waits for the answer. Test events are not retried; they are in the log.
 */
export async function sendTestEvent(
  tenant: TenantEnv,
  partnerId: string,
  channel: WebhookChannel,
): Promise<{ deliveryId: string; outcome: AttemptOutcome }> {
  const event = { id: `evt_test_${randomHex(12)}`, type: "webhook.test", createdAt: isoSeconds(), partnerId };
  const data: EventFields<"webhook.test"> = { webhook: channel, message: "Test event from Sightline" };
  const id = await deliveryId(event.id, channel);
  await tenant.DB.prepare(
    `INSERT INTO webhook_deliveries (id, partner_id, channel, event_id, event_type, organization_id, data, payload, status,
       next_attempt_at, created_at)
     VALUES (?, ?, ?, ?, 'webhook.test', NULL, ?, ?, 'pending', ?, ?)`,
  )
    .bind(
      id,
      partnerId,
      channel,
      event.id,
      JSON.stringify({ createdAt: event.createdAt, ...data }),
      payloadOf(event, data),
      event.createdAt,
      event.createdAt,
    )
    .run();
  const outcome = await attemptDelivery(tenant, id, { singleAttempt: true, anyEndpointState: true });
  return { deliveryId: id, outcome };
}

/**
 * Delivers the same event again (same webhook-id and body) on a fresh schedule: one attempt now,
 * and if it fails, retries from now on. A test event gets its one attempt only.
 */
export async function redeliver(tenant: TenantEnv, delivery: DeliveryRow): Promise<AttemptOutcome> {
  const isTest = delivery.event_type === "webhook.test";
  const now = Date.now();
  await tenant.DB.prepare(
    `UPDATE webhook_deliveries SET status = 'pending', first_attempt_at = NULL, next_attempt_at = ?, lease_until = NULL,
       delivered_at = NULL WHERE id = ?`,
  )
    .bind(isoSeconds(now), delivery.id)
    .run();
  const outcome = await attemptDelivery(tenant, delivery.id, { now, singleAttempt: isTest, anyEndpointState: isTest });
  if (outcome.kind === "attempted" && outcome.nextAttemptAt !== null)
    await scheduleAttempt(tenant, delivery.id, outcome.nextAttemptAt, now);
  if (outcome.kind === "later") await scheduleAttempt(tenant, delivery.id, outcome.at, now);
  return outcome;
}
