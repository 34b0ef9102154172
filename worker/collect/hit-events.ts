import type { ChargedHit, StartedVisit } from "./plan-types";
import type { ChargeOutcome } from "../credits/counter";
import type { TenantEnv } from "../shards";
import { isoSeconds } from "../lib/time";
import { emitEvents, eventId, type WebhookEvent } from "../webhooks/events";
import { recipientsFrom, recipientStatements, type Recipients } from "../webhooks/recipients";

/**
 * The webhook events of a batch of charged hits (called by the hits consumer):
 * per `charged` outcome a `visitor.identified` and a `usage.recorded`; and, once per
 * organization and period, `credits.low` when what is left falls to the partner's threshold
 * and `credits.exhausted` when nothing is left. Ids derive from the partner, the organization and
 * the pixel event id, or from (organization, period), so a replayed batch emits nothing new and
 * the same event id sent to two organizations makes two events. `recipients`: when the caller read
 * them already.
 */
export async function emitChargedHits(env: TenantEnv, hits: ChargedHit[], recipients?: Recipients): Promise<void> {
  const charged = hits.filter((h) => h.outcome.reason === "charged");
  if (charged.length === 0) return;
  const { organizations, endpoints } =
    recipients ??
    recipientsFrom(
      await env.DB.batch(
        recipientStatements(
          env.DB,
          [...new Set(charged.map((h) => h.message.organizationId))],
          [...new Set(charged.map((h) => h.message.partnerId))],
        ),
      ),
    );
  if (endpoints.size === 0) return;

  const events: WebhookEvent[] = [];
  for (const h of charged) {
    const organization = organizations.get(h.message.organizationId);
    const partnerEndpoints = organization && endpoints.get(organization.partner_id);
    if (!organization || !partnerEndpoints) continue;
    const outcome = h.outcome;
    const periodStart = isoSeconds(outcome.periodStart);
    const available = availableAfter(outcome);
    const cause = `${organization.partner_id}|${organization.id}|${h.message.hit.i}`;
    const base = {
      partnerId: organization.partner_id,
      organizationId: organization.id,
      createdAt: h.message.receivedAt,
    };
    const common = { organizationId: organization.id, externalId: organization.external_id };
    if (partnerEndpoints.has("identification")) {
      // The visitor, company and session are read when the first attempt is made (they are
      // stored by the same consumer run); the reference is all the event needs until then.
      events.push({
        ...base,
        id: await eventId("visitor.identified", cause),
        type: "visitor.identified",
        data: { ...common, hitEventId: h.message.hit.i, visitorId: h.visitor, sessionStart: h.session },
      });
    }
    const billing = partnerEndpoints.get("billing");
    if (!billing) continue;
    events.push({
      ...base,
      id: await eventId("usage.recorded", cause),
      type: "usage.recorded",
      data: {
        ...common,
        credits: 1,
        identityType: h.identityType,
        periodStart,
        creditsUsed: outcome.used,
        creditsAvailable: available,
        creditsAllocated: outcome.allocation,
      },
    });
    const allocation = outcome.allocation;
    if (available === null || allocation === null || allocation === 0) continue;
    const periodKey = `${organization.id}|${outcome.periodStart}`;
    const balance = {
      ...common,
      periodStart,
      creditsUsed: outcome.used,
      creditsAvailable: available,
      creditsAllocated: allocation,
    };
    if (available * 100 <= allocation * billing.low_credit_threshold_percent) {
      events.push({
        ...base,
        id: await eventId("credits.low", periodKey),
        type: "credits.low",
        data: { ...balance, thresholdPercent: billing.low_credit_threshold_percent },
      });
    }
    if (available === 0) {
      events.push({
        ...base,
        id: await eventId("credits.exhausted", periodKey),
        type: "credits.exhausted",
        data: balance,
      });
    }
  }
  await emitEvents(env, events, endpoints);
}

/** A visit of an organization's identified visitor, as the hits consumer planned it. */
export interface OrganizationVisit extends StartedVisit {
  organizationId: string;
}

/**
 * `company.visited` for each new visit of an identified visitor, where the partner's identification
 * webhook opted in (`company_visited`); nothing is read or written otherwise. The id derives from the
 * organization, the visitor and the visit's start, so a replayed or re-planned batch emits it once.
 */
export async function emitCompanyVisits(env: TenantEnv, visits: OrganizationVisit[], recipients: Recipients) {
  const events: WebhookEvent[] = [];
  for (const visit of visits) {
    const organization = recipients.organizations.get(visit.organizationId);
    const endpoint = organization && recipients.endpoints.get(organization.partner_id)?.get("identification");
    if (!organization || endpoint?.company_visited !== 1) continue;
    events.push({
      id: await eventId(
        "company.visited",
        `${organization.partner_id}|${organization.id}|${visit.visitor}|${visit.session}`,
      ),
      type: "company.visited",
      partnerId: organization.partner_id,
      organizationId: organization.id,
      createdAt: visit.at * 1000,
      data: {
        organizationId: organization.id,
        externalId: organization.external_id,
        visitorId: visit.visitor,
        sessionStart: visit.session,
      },
    });
  }
  await emitEvents(env, events, recipients.endpoints);
}

/** Credits left after the charge (the counter's figure: refunds and adjustments included), null when uncapped. */
function availableAfter(outcome: ChargeOutcome): number | null {
  return outcome.allocation === null ? null : outcome.available;
}

/** H3: a B2C organization that reached its hourly ceiling of new people (collect/people-limits.ts). */
export interface Anomaly {
  organizationId: string;
  /** The batch's latest hit (ms since epoch): the hour counted ends there. */
  at: number;
  ceiling: number;
  peopleCharged: number;
  refused: number;
}

/**
 * `b2c.anomaly` to the partner's billing webhook, once per organization and clock hour (the id derives
 * from both), so the partner hears that charging new people paused.
 */
export async function emitAnomalies(env: TenantEnv, anomalies: Anomaly[], recipients: Recipients): Promise<void> {
  const events: WebhookEvent[] = [];
  for (const anomaly of anomalies) {
    const organization = recipients.organizations.get(anomaly.organizationId);
    if (!organization || !recipients.endpoints.get(organization.partner_id)?.has("billing")) continue;
    const hour = Math.floor(anomaly.at / 3_600_000);
    events.push({
      id: await eventId("b2c.anomaly", `${organization.partner_id}|${organization.id}|${hour}`),
      type: "b2c.anomaly",
      partnerId: organization.partner_id,
      organizationId: organization.id,
      createdAt: anomaly.at,
      data: {
        organizationId: organization.id,
        externalId: organization.external_id,
        ceiling: anomaly.ceiling,
        peopleCharged: anomaly.peopleCharged,
        refused: anomaly.refused,
        windowStart: isoSeconds(anomaly.at - 3_600_000),
      },
    });
  }
  await emitEvents(env, events, recipients.endpoints);
}
