import { sha256Hex } from "../lib/crypto";
import { isoSeconds } from "../lib/time";
import type { EventType, WebhookChannel } from "../../shared/webhooks";
import { isActive, type EndpointRow } from "./endpoints";
import type { WebhookMessage } from "./message";
import type { EventFields } from "./payloads";
import type { VisitorPayload } from "./visitor-payload";
import type { TenantEnv } from "../shards";

/** Events emitted through `emitEvents`; `webhook.test` is sent directly to the webhook a test names. */
export type EmittedType = Exclude<EventType, "webhook.test">;

/** Which webhook receives each event type. */
export const CHANNEL_OF: Record<EmittedType, WebhookChannel> = {
  "visitor.identified": "identification",
  "company.visited": "identification",
  "alert.triggered": "identification",
  "usage.recorded": "billing",
  "credits.low": "billing",
  "credits.exhausted": "billing",
  "period.closed": "billing",
  // The partner's account, not a client's usage: the billing webhook is the account's channel.
  "domain.activated": "billing",
  "domain.failed": "billing",
  "b2c.anomaly": "billing",
};

/** Events about a visitor: their visitor, company, person and session are built at the first attempt. */
type VisitorEvent = "visitor.identified" | "company.visited" | "alert.triggered";

/** What a visitor event records instead of those fields: the stored visitor id and its session's start (unix seconds). */
type Referenced<T extends VisitorEvent> = Omit<EventFields<T>, keyof VisitorPayload> & {
  visitorId: string;
  sessionStart: number;
};

/** What is recorded when an event is emitted: its payload fields (`EventFields`), or a reference for visitor events. */
type EmittedData = Omit<{ [T in EmittedType]: EventFields<T> }, VisitorEvent> & {
  "visitor.identified": Referenced<"visitor.identified"> & { hitEventId: string };
  "company.visited": Referenced<"company.visited">;
  "alert.triggered": Referenced<"alert.triggered">;
};

export type WebhookEvent = {
  [T in EmittedType]: {
    /** Derived from what caused the event (see `eventId`): emitting it twice delivers it once. */
    id: string;
    type: T;
    partnerId: string;
    organizationId: string | null;
    /** ms since epoch. */
    createdAt: number;
    data: EmittedData[T];
  };
}[EmittedType];

/** A deterministic event id: the same cause (e.g. a pixel event id) always gives the same id. */
export async function eventId(type: EventType, cause: string): Promise<string> {
  return `evt_${(await sha256Hex(`${type}|${cause}`)).slice(0, 32)}`;
}

/** One delivery per event and endpoint channel, so its id follows from both. */
export async function deliveryId(event: string, channel: WebhookChannel): Promise<string> {
  return `whd_${(await sha256Hex(`${event}|${channel}`)).slice(0, 32)}`;
}

/** The JSON body partners receive (camelCase, like the API). */
export function payloadOf(
  event: { id: string; type: string; createdAt: string; partnerId: string },
  data: Record<string, unknown>,
) {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    createdAt: event.createdAt,
    partnerId: event.partnerId,
    ...data,
  });
}

/** Queue messages sent per `sendBatch` call (the platform's limit). */
const SEND_BATCH = 100;

/**
 * Records a delivery per event for its partner's endpoint and hands it to the `WEBHOOKS` queue.
 * Exported for the billing engine (`period.closed`) and anything else that emits events.
 *
 * Idempotent: delivery ids derive from event ids (`INSERT OR IGNORE`), and a replayed emission
 * only re-sends queue messages for deliveries still pending, which the consumer claims once.
 * No row is written for an endpoint the partner has not configured or switched off; an
 * endpoint Sightline disabled gets a `failed` row, so the partner can redeliver after fixing it.
 */
export async function emitEvents(
  env: TenantEnv,
  events: WebhookEvent[],
  endpoints?: Map<string, Map<WebhookChannel, EndpointRow>>,
): Promise<void> {
  if (events.length === 0) return;
  const byPartner = endpoints ?? (await loadEndpointsOf(env.DB, [...new Set(events.map((e) => e.partnerId))]));
  const now = isoSeconds();
  const statements: D1PreparedStatement[] = [];
  const messages: MessageSendRequest<WebhookMessage>[] = [];
  for (const event of events) {
    const channel = CHANNEL_OF[event.type];
    const endpoint = byPartner.get(event.partnerId)?.get(channel);
    if (!endpoint || endpoint.url === null || endpoint.enabled !== 1) continue;
    const id = await deliveryId(event.id, channel);
    const createdAt = isoSeconds(event.createdAt);
    const payload = "visitorId" in event.data ? null : payloadOf({ ...event, createdAt }, event.data);
    const disabled = !isActive(endpoint);
    statements.push(
      env.DB.prepare(
        `INSERT OR IGNORE INTO webhook_deliveries (id, partner_id, channel, event_id, event_type, organization_id, data, payload,
           status, last_error, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).bind(
        id,
        event.partnerId,
        channel,
        event.id,
        event.type,
        event.organizationId,
        JSON.stringify({ createdAt, ...event.data }),
        payload,
        disabled ? "failed" : "pending",
        disabled ? `Endpoint disabled: ${endpoint.disabled_reason}` : null,
        disabled ? null : now,
        now,
      ),
    );
    if (!disabled) messages.push({ body: { deliveryId: id, shard: env.SHARD } });
  }
  if (statements.length === 0) return;
  // The rows first: once they exist, a lost queue message is recovered from them.
  await env.DB.batch(statements);
  try {
    for (let i = 0; i < messages.length; i += SEND_BATCH) {
      await env.WEBHOOKS.sendBatch(messages.slice(i, i + SEND_BATCH));
    }
  } catch (err) {
    // The rows are the record: the cron re-sends what has no message (see `resendStalled`).
    // Failing here would make the hits consumer retry, and a long queue outage lose hits.
    console.error("webhook queue send failed; the cron will re-send", err);
  }
}

export async function loadEndpointsOf(
  db: D1Database,
  partnerIds: string[],
): Promise<Map<string, Map<WebhookChannel, EndpointRow>>> {
  if (partnerIds.length === 0) return new Map();
  return endpointsFrom(await endpointsStatement(db, partnerIds).all());
}

/** The endpoints of these partners, for a batch of reads (`endpointsFrom` reads its answer). */
export const endpointsStatement = (db: D1Database, partnerIds: string[]) =>
  db
    .prepare("SELECT * FROM webhook_endpoints WHERE partner_id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(partnerIds));

export function endpointsFrom(result: D1Result): Map<string, Map<WebhookChannel, EndpointRow>> {
  const byPartner = new Map<string, Map<WebhookChannel, EndpointRow>>();
  for (const row of result.results as EndpointRow[]) {
    const channels = byPartner.get(row.partner_id) ?? new Map<WebhookChannel, EndpointRow>();
    channels.set(row.channel, row);
    byPartner.set(row.partner_id, channels);
  }
  return byPartner;
}
