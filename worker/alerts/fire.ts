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
const SEGMENT_PATHS = 1000;

/** A firing's id: the rule and its cause. */
const firingId = async (candidate: Candidate) =>
  `alf_${(await sha256Hex(`${candidate.rule.id}|${candidate.cause}`)).slice(0, 32)}`;

/** One delivery per firing and channel (and recipient, for e-mail), so its id follows from them. */
export const alertDeliveryId = async (firing: string, channelId: string, recipient: string | null = null) =>
  `ald_${(await sha256Hex(recipient === null ? `${firing}|${channelId}` : `${firing}|${channelId}|${recipient}`)).slice(0, 32)}`;

/**
 * The alerts of the plans the hits consumer just stored (and scored), for the organizations' enabled
 * rules: candidates from the plans, less those in a cooldown the consumer read with the visitors (no
 * read so far: a batch whose candidates are all cooling down costs nothing more); then, for rules
 * with a segment, the visitors' facts in one read; what passes is claimed and its deliveries recorded
 * in one batch, and each delivery goes to the `NOTIFICATIONS` queue with an `alert.triggered` event.
 *
 * The claim is a conditional upsert on (rule, visitor): it takes the cooldown only when the previous
 * firing's cooldown ended by this hit's time, or when it is this very firing (a replay then sends what
 * is still pending, once), whatever the consumer read before. Never throws: the hits are stored
 * already, and alerts must not hold them back.
 */
export async function fireAlerts(
  env: TenantEnv,
  plans: readonly StoredPlan[],
  alerts: AlertState,
  recipients: Recipients,
): Promise<void> {
  if (alerts.rules.size === 0) return;
  const candidates = plans.flatMap((plan) => candidatesOf(plan, alerts.rules.get(plan.organizationId) ?? []));
  if (candidates.length === 0) return;
  try {
    await fire(env, candidates, alerts, recipients);
  } catch (error) {
    console.error("alerts of a stored batch failed", error);
  }
}

async function fire(env: TenantEnv, all: Candidate[], alerts: AlertState, recipients: Recipients) {
  const db = env.DB;
  const candidates: (Candidate & { id: string })[] = [];
  for (const candidate of all) {
    // Cooling down as the consumer read it: out, before any work (a lost message of a firing already
    // claimed is re-sent by the cron from its pending delivery).
    const claim = alerts.claims.get(`${candidate.rule.id}|${candidate.visitor}`);
    if (claim && claim.until > candidate.at) continue;
    candidates.push({ ...candidate, id: await firingId(candidate) });
  }
  const segmented = candidates.filter((c) => c.rule.segment !== undefined);
  const factRows = segmented.length === 0 ? [] : (await factsStatement(db, segmented).all<FactsRow>()).results;
  const facts = new Map(factRows.map((r) => [`${r.organization_id}|${r.id}`, factsOf(r)]));
  const firings = [];
  for (const candidate of candidates) {
    const segment = candidate.rule.segment;
    if (segment !== undefined) {
      const visitor = facts.get(`${candidate.organizationId}|${candidate.visitor}`);
      if (segment === null || !visitor || !matchesSegment(segment, visitor)) continue;
    }
    firings.push(candidate);
  }
  if (firings.length === 0) return;

  const now = isoSeconds();
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
  const [, , pendingRows] = await db.batch<{ id: string; firing: string }>([
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
        now,
      ),
    db
      .prepare(
        `SELECT d.id, d.firing FROM json_each(?) j CROSS JOIN alert_deliveries d ON d.id = j.value
         WHERE d.status = 'pending'`,
      )
      .bind(JSON.stringify(deliveries.map((d) => d.id))),
  ]);
  const pending = pendingRows!.results as { id: string; firing: string }[];
  if (pending.length === 0) return;
  const fired = new Set(pending.map((p) => p.firing));
  await emitEvents(
    env,
    await triggeredEvents(
      firings.filter((f) => fired.has(f.id)),
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
    // The rows are the record: the cron re-sends what has no message (alerts/consume.ts `maintainAlerts`).
    console.error("notification queue send failed; the cron will re-send", error);
  }
}

/** `alert.triggered` for each firing, where the partner has an identification webhook. */
async function triggeredEvents(
  firings: (Candidate & { id: string })[],
  recipients: Recipients,
): Promise<WebhookEvent[]> {
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

/** What segments look at, for the visitors of these candidates (none: a statement that reads nothing). */
function factsStatement(db: D1Database, candidates: Candidate[]) {
  const visitors = [
    ...new Map(candidates.map((c) => [`${c.organizationId}|${c.visitor}`, [c.organizationId, c.visitor]])),
  ];
  return db
    .prepare(
      `SELECT k.organization_id, v.id, v.name, v.domain, v.industry, v.employee_range,
         coalesce(v.hq_country, v.country) AS country, v.icp_matched, v.icp_score,
         (SELECT json_group_array(path) FROM (SELECT DISTINCT path FROM page_views WHERE visitor = v.seq
            LIMIT ${SEGMENT_PATHS})) AS paths
       FROM json_each(?) j
       CROSS JOIN organization_keys k ON k.organization_id = j.value ->> 0
       CROSS JOIN visitors v ON v.org = k.key AND v.id = j.value ->> 1`,
    )
    .bind(JSON.stringify(visitors.map(([, pair]) => pair)));
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
