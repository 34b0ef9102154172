import type { DeliveryStatus, WebhookChannel } from "../../../shared/webhooks";
import { COUNT_LIMIT } from "../../http/schemas";
import { notFound } from "../../lib/errors";
import { Where } from "../../lib/sql";
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

/** The delivery's attempts, oldest first. */
export async function attemptsOf(db: D1Database, deliveryId: string): Promise<AttemptRow[]> {
  const { results } = await db
    .prepare(
      "SELECT attempt, url, started_at, status_code, error, latency_ms FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt",
    )
    .bind(deliveryId)
    .all<AttemptRow>();
  return results;
}

export interface DeliveryFilter {
  channel?: WebhookChannel;
  status?: DeliveryStatus;
  organizationId?: string;
  eventType?: string;
}

const deliveriesOf = (partnerId: string, filter: DeliveryFilter) =>
  new Where("partner_id = ?", partnerId)
    .and("channel = ?", filter.channel)
    .and("status = ?", filter.status)
    .and("organization_id = ?", filter.organizationId)
    .and("event_type = ?", filter.eventType);

const NEWEST_FIRST = "ORDER BY created_at DESC, id DESC";

/** One page of the partner's deliveries, newest first, with one more row when more follow. */
export interface DeliveryPage {
  rows: DeliveryRow[];
  /** Counted up to COUNT_LIMIT: a large log is paged with cursors, never counted whole; absent when paged by cursor. */
  total?: number;
}

/**
 * The page after the delivery `after` names (its created_at and id): the index (partner_id,
 * created_at DESC, id DESC) is walked from there on; nothing is counted.
 */
export async function deliveriesAfter(
  db: D1Database,
  partnerId: string,
  filter: DeliveryFilter,
  after: readonly [createdAt: string, id: string],
  limit: number,
): Promise<DeliveryPage> {
  const where = deliveriesOf(partnerId, filter);
  const { results } = await db
    .prepare(`SELECT * FROM webhook_deliveries ${where} AND (created_at, id) < (?, ?) ${NEWEST_FIRST} LIMIT ?`)
    .bind(...where.params, after[0], after[1], limit)
    .all<DeliveryRow>();
  return { rows: results };
}

/** The page at `offset`, with the total. */
export async function deliveriesAt(
  db: D1Database,
  partnerId: string,
  filter: DeliveryFilter,
  offset: number,
  limit: number,
): Promise<DeliveryPage> {
  const where = deliveriesOf(partnerId, filter);
  const [rows, count] = await db.batch<DeliveryRow | { total: number }>([
    db
      .prepare(`SELECT * FROM webhook_deliveries ${where} ${NEWEST_FIRST} LIMIT ? OFFSET ?`)
      .bind(...where.params, limit, offset),
    db
      .prepare(`SELECT count(*) AS total FROM (SELECT 1 FROM webhook_deliveries ${where} LIMIT ${COUNT_LIMIT})`)
      .bind(...where.params),
  ]);
  return { rows: rows!.results as DeliveryRow[], total: (count!.results[0] as { total: number }).total };
}

export async function loadDelivery(db: D1Database, partnerId: string, id: string) {
  return toDelivery(await findDelivery(db, partnerId, id));
}

/** The attempt an operation just made, in the API's shape (null when none was made). */
export function resultOf(outcome: AttemptOutcome) {
  if (outcome.kind !== "attempted") return null;
  return outcome.result;
}
