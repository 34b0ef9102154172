import type { DeliveryRow } from "../../webhooks/deliver";

export const toDelivery = (row: DeliveryRow) => ({
  id: row.id,
  eventId: row.event_id,
  eventType: row.event_type,
  type: row.kind,
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
