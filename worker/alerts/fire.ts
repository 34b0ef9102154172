import { sha256Hex } from "../lib/crypto";
import { isoSeconds } from "../lib/time";
import { matchesSegment, type SegmentFacts } from "./segment-match";
import type { TenantEnv } from "../shards";
import { emitEvents, eventId, type WebhookEvent } from "../webhooks/events";
import type { Recipients } from "../webhooks/recipients";
import type { NotificationMessage } from "./message";
import type { AlertState } from "./rules";
import { candidatesOf, type Candidate, type StoredPlan } from "./signals";

/** Queue messages sent per `sendBatch` call (the platform's limit). */
const SEND_BATCH = 100;
/** Paths of a visitor a segment's `pages` look at, at most. */
export const SEGMENT_PATHS = 1000;

/** A firing's id: the rule and its cause. */
const firingId = async (candidate: Candidate) =>
  `alf_${(await sha256Hex(`${candidate.rule.id}|${candidate.cause}`)).slice(0, 32)}`;

/** One delivery per firing and channel (and recipient, for e-mail), so its id follows from them. */
export const alertDeliveryId = async (firing: string, channelId: string, recipient: string | null = null) =>
  `ald_${(await sha256Hex(recipient === null ? `${firing}|${channelId}` : `${firing}|${channelId}|${recipient}`)).slice(0, 32)}`;

/** A candidate that passed the segment check, under the id of its firing. */
type Firing = Candidate & { id: string };

/** The alert rows a batch writes, for one D1 batch (the pending deliveries are the last statement's answer). */
export interface AlertWrites {
  firings: Firing[];
  statements: [claims: D1PreparedStatement, deliveries: D1PreparedStatement, pending: D1PreparedStatement];
}

/**
 * The candidates of the plans the hits consumer just stored, for the organizations' enabled rules, less
 * those in a cooldown the consumer read with the visitors (no read: a batch whose candidates are all
 * cooling down costs nothing more; a lost message of a firing already claimed is re-sent by the cron
 * from its pending delivery).
 */
export function candidatesAmong(plans: readonly StoredPlan[], alerts: AlertState): Candidate[] {
  if (alerts.rules.size === 0) return [];
  return plans
    .flatMap((plan) => candidatesOf(plan, alerts.rules.get(plan.organizationId) ?? []))
    .filter((c) => !((alerts.claims.get(`${c.rule.id}|${c.visitor}`)?.until ?? 0) > c.at));
}

/** The visitors whose facts these candidates' segments look at. */
export const segmentVisitors = (candidates: readonly Candidate[]) =>
  candidates
    .filter((c) => c.rule.segment !== undefined)
    .map((c) => ({ organizationId: c.organizationId, visitorId: c.visitor }));

/** Facts by `organization|visitor`. */
export type FactsByVisitor = Map<string, SegmentFacts>;

/**
 * What fires among the candidates: those whose rule has no segment, or whose visitor is in it (`known`
 * facts, the rest read here in one statement), each with its deliveries (one per channel, and per
 * recipient for e-mail); and the statements that claim the cooldowns and record the deliveries, for the
 * caller to run in one batch. Null when nothing fires.
 *
 * The claim is a conditional upsert on (rule, visitor): it takes the cooldown only when the previous
 * firing's cooldown ended by this hit's time, or when it is this very firing (a replay then sends what
 * is still pending, once), whatever the consumer read before; deliveries are recorded only for firings
 * that hold their claim, and the last statement answers those still pending.
 */
export async function alertWrites(
  db: D1Database,
  candidates: readonly Candidate[],
  known: FactsByVisitor = new Map(),
): Promise<AlertWrites | null> {
  const unknown = segmentVisitors(candidates).filter((v) => !known.has(`${v.organizationId}|${v.visitorId}`));
  const facts = unknown.length === 0 ? known : new Map([...known, ...(await readSegmentFacts(db, unknown))]);
  const passing = candidates.filter((c) => {
    const segment = c.rule.segment;
    if (segment === undefined) return true;
    const visitor = facts.get(`${c.organizationId}|${c.visitor}`);
    return segment !== null && visitor !== undefined && matchesSegment(segment, visitor);
  });
  if (passing.length === 0) return null;
  const firings = await Promise.all(passing.map(async (c): Promise<Firing> => ({ ...c, id: await firingId(c) })));
  const deliveries = await Promise.all(
    firings.flatMap((f) =>
      f.rule.channels.flatMap((channel) =>
        (channel.recipients ?? [null]).map(async (recipient) => ({
          firing: f,
          channel,
          recipient,
          id: await alertDeliveryId(f.id, channel.id, recipient),
        })),
      ),
    ),
  );
  return {
    firings,
    statements: [
      db
        .prepare(
          `INSERT INTO alert_claims (rule_id, visitor, at, until, firing)
         SELECT c.value ->> 0, c.value ->> 1, c.value ->> 2, c.value ->> 3, c.value ->> 4 FROM json_each(?) c WHERE true
         ON CONFLICT (rule_id, visitor) DO UPDATE SET at = excluded.at, until = excluded.until, firing = excluded.firing
         WHERE alert_claims.firing = excluded.firing OR alert_claims.until <= excluded.at`,
        )
        .bind(JSON.stringify(firings.map((f) => [f.rule.id, f.visitor, f.at, f.at + f.rule.cooldownSeconds, f.id]))),
      // Only for firings that hold their claim: a concurrent consumer's firing may have taken it meanwhile.
      db
        .prepare(
          `INSERT OR IGNORE INTO alert_deliveries (id, rule_id, organization_id, channel_id, channel_type, firing, trigger,
           visitor, session_start, recipient, created_at)
         SELECT d.value ->> 0, d.value ->> 1, d.value ->> 2, d.value ->> 3, d.value ->> 4, d.value ->> 5, d.value ->> 6,
           d.value ->> 7, d.value ->> 8, d.value ->> 9, ?2
         FROM json_each(?1) d
         CROSS JOIN alert_claims c ON c.rule_id = d.value ->> 1 AND c.visitor = d.value ->> 7 AND c.firing = d.value ->> 5`,
        )
        .bind(
          JSON.stringify(
            deliveries.map((d) => [
              d.id,
              d.firing.rule.id,
              d.firing.organizationId,
              d.channel.id,
              d.channel.type,
              d.firing.id,
              d.firing.rule.trigger,
              d.firing.visitor,
              d.firing.session,
              d.recipient,
            ]),
          ),
          isoSeconds(),
        ),
      db
        .prepare(
          `SELECT d.id, d.firing FROM json_each(?) j CROSS JOIN alert_deliveries d ON d.id = j.value
         WHERE d.status = 'pending'`,
        )
        .bind(JSON.stringify(deliveries.map((d) => d.id))),
    ],
  };
}

/**
 * Once the alert rows are written: an `alert.triggered` event for each firing with a delivery pending,
 * and each pending delivery to the `NOTIFICATIONS` queue. A failed send is logged: the rows are the
 * record, and the cron re-sends what has no message (alerts/consume.ts `maintainAlerts`).
 */
export async function queueAlerts(
  env: TenantEnv,
  writes: AlertWrites,
  pendingResult: D1Result,
  recipients: Recipients,
): Promise<void> {
  const pending = pendingResult.results as { id: string; firing: string }[];
  if (pending.length === 0) return;
  const fired = new Set(pending.map((p) => p.firing));
  await emitEvents(
    env,
    await triggeredEvents(
      writes.firings.filter((f) => fired.has(f.id)),
      recipients,
    ),
    recipients.endpoints,
  );
  const messages: MessageSendRequest<NotificationMessage>[] = pending.map((p) => ({
    body: { deliveryId: p.id, shard: env.SHARD },
  }));
  try {
    for (let i = 0; i < messages.length; i += SEND_BATCH) {
      await env.NOTIFICATIONS.sendBatch(messages.slice(i, i + SEND_BATCH));
    }
  } catch (error) {
    console.error("notification queue send failed; the cron will re-send", error);
  }
}

/** `alert.triggered` for each firing, where the partner has an identification webhook. */
async function triggeredEvents(firings: Firing[], recipients: Recipients): Promise<WebhookEvent[]> {
  const events: WebhookEvent[] = [];
  for (const f of firings) {
    const organization = recipients.organizations.get(f.organizationId);
    if (!organization || !recipients.endpoints.get(organization.partner_id)?.has("identification")) continue;
    events.push({
      id: await eventId("alert.triggered", f.id),
      type: "alert.triggered",
      partnerId: organization.partner_id,
      organizationId: organization.id,
      createdAt: f.at * 1000,
      data: {
        organizationId: organization.id,
        externalId: organization.external_id,
        alert: { id: f.rule.id, name: f.rule.name, trigger: f.rule.trigger },
        channels: f.rule.channels.map(({ id, type }) => ({ id, type })),
        visitorId: f.visitor,
        sessionStart: f.session,
      },
    });
  }
  return events;
}

interface FactsRow {
  organization_id: string;
  id: string;
  name: string | null;
  domain: string | null;
  industry: string | null;
  employee_range: string | null;
  country: string | null;
  icp_matched: number;
  icp_score: number;
  paths: string;
}

/** What segments look at, for these visitors, in one statement. */
async function readSegmentFacts(
  db: D1Database,
  visitors: { organizationId: string; visitorId: string }[],
): Promise<FactsByVisitor> {
  const pairs = new Map(visitors.map((v) => [`${v.organizationId}|${v.visitorId}`, [v.organizationId, v.visitorId]]));
  const { results } = await db
    .prepare(
      `SELECT k.organization_id, v.id, v.name, v.domain, v.industry, v.employee_range,
         coalesce(v.hq_country, v.country) AS country, v.icp_matched, v.icp_score,
         (SELECT json_group_array(path) FROM (SELECT DISTINCT path FROM page_views WHERE visitor = v.seq
            LIMIT ${SEGMENT_PATHS})) AS paths
       FROM json_each(?) j
       CROSS JOIN organization_keys k ON k.organization_id = j.value ->> 0
       CROSS JOIN visitors v ON v.org = k.key AND v.id = j.value ->> 1`,
    )
    .bind(JSON.stringify([...pairs.values()]))
    .all<FactsRow>();
  return new Map(results.map((r) => [`${r.organization_id}|${r.id}`, factsOf(r)]));
}

const factsOf = (row: FactsRow): SegmentFacts => ({
  name: row.name,
  domain: row.domain,
  industry: row.industry,
  employeeRange: row.employee_range,
  country: row.country,
  icpMatched: row.icp_matched === 1,
  icpScore: row.icp_score,
  paths: JSON.parse(row.paths) as string[],
});
