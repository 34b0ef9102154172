import { notFound } from "../../lib/errors";
import type { AttemptOutcome, DeliveryRow } from "../../webhooks/deliver";

export const toDelivery = (row: DeliveryRow) => ({
  id: row.id,
  eventId: row.event_id,
  eventType: row.event_type,
  type: row.channel,
  organizationId: row.organization_id,
  status: row.status,
  attempts: row.attempts,
  lastStatusCode: row.last_status_code,
  lastError: row.last_error,
  nextAttemptAt: row.next_attempt_at,
  createdAt: row.created_at,
  deliveredAt: row.delivered_at,
});

export interface AttemptRow {
  attempt: number;
  url: string;
  started_at: string;
  status_code: number | null;
  error: string | null;
  latency_ms: number;
}

export const toAttempt = (row: AttemptRow) => ({
  attempt: row.attempt,
  url: row.url,
  startedAt: row.started_at,
  statusCode: row.status_code,
  error: row.error,
  latencyMs: row.latency_ms,
  succeeded: row.status_code !== null && row.status_code >= 200 && row.status_code < 300,
});

/** A delivery of this partner (another partner's id → 404, like every resource). */
export async function findDelivery(db: D1Database, partnerId: string, id: string): Promise<DeliveryRow> {
  const row = await db
    .prepare("SELECT * FROM webhook_deliveries WHERE id = ? AND partner_id = ?")
    .bind(id, partnerId)
    .first<DeliveryRow>();
  if (!row) throw notFound("Webhook delivery");
  return row;
}

export async function loadDelivery(db: D1Database, partnerId: string, id: string) {
  return toDelivery(await findDelivery(db, partnerId, id));
}

/** The attempt an operation just made, in the API's shape (null when none was made). */
export function resultOf(outcome: AttemptOutcome) {
  if (outcome.kind !== "attempted") return null;
  return outcome.result;
}
