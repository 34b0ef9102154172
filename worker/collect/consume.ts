import type { Env } from "../env";
import { tenantEnv, type TenantEnv } from "../shards";
import { chargeByOrganization } from "../credits/charge";
import type { ChargeOutcome } from "../credits/counter";
import { forgetLateErasures } from "../erasures/visitor";
import { emitAnomalies, emitChargedHits, emitCompanyVisits, type Anomaly } from "./hit-events";
import { queueChargeNotices } from "../notices/queue";
import type { AcceptedHit, HitMessage, RejectedHit } from "./message";
import { organizationKeys } from "../visitors/organization-keys";
import { identifyAndRead } from "./identify-and-read";
import { chargeRequests, PEOPLE_PER_HOUR } from "./people-limits";
import { planOrganization } from "./plan";
import type { AddressState, OrganizationPlan, OrganizationState, PreparedHit } from "./plan-types";
import { prepareHits, type Delivery } from "./prepare";
import { readStates } from "./read-state";
import { countRejections } from "./rejections";
import { scoreAndAlert } from "./after-store";
import { isConflict, planStatements, reservationStatements } from "./store";

/** Times an organization's batch is planned again after its guard saw a concurrent write. */
const ROUNDS = 5;
/** Delay before a message is delivered again: an engagement waiting for its page view, or a failed organization. */
const RETRY_SECONDS = 10;

/**
 * Queue consumer of `sightline-hits`: identify → charge → count and store, for a batch of hits.
 * Each organization's hits succeed or fail on their own (the others are acknowledged), and a
 * message is retried only when its organization failed or it is an engagement waiting for its
 * page view.
 */
export async function consumeHits(batch: MessageBatch<HitMessage>, env: Env): Promise<void> {
  const byShard = Map.groupBy(batch.messages, (m) => m.body.shard);
  for (const [shard, messages] of byShard) await consumeShardHits(messages, tenantEnv(env, shard));
}

/** The batch's hits of one tenant shard. */
async function consumeShardHits(messages: readonly Message<HitMessage>[], env: TenantEnv): Promise<void> {
  const rejected = messages.filter((m): m is Message<RejectedHit> => m.body.kind === "rejected");
  if (rejected.length > 0) {
    try {
      await countRejections(env.DB, rejected);
      for (const m of rejected) m.ack();
    } catch (error) {
      console.error("counting rejected hits failed", error);
      for (const m of rejected) m.retry({ delaySeconds: RETRY_SECONDS });
    }
  }
  const accepted = messages.filter((m): m is Message<AcceptedHit> => m.body.kind === "hit");
  if (accepted.length === 0) return;
  const { waiting, failed } = await processHits(
    env,
    accepted.map((m) => ({ message: m.body, attempts: m.attempts })),
  );
  for (const m of accepted) {
    const { organizationId, hit } = m.body;
    if (failed.has(organizationId) || waiting.has(`${organizationId}|${hit.i}`))
      m.retry({ delaySeconds: RETRY_SECONDS });
    else m.ack();
  }
}

/**
 * The pipeline without the queue (the consumer, tests and the bench drive it): returns the
 * engagement hits that must wait (`organizationId|eventId`) and the organizations that failed.
 */
export async function processHits(
  env: TenantEnv,
  deliveries: Delivery[],
): Promise<{ waiting: Set<string>; failed: Set<string> }> {
  const waiting = new Set<string>();
  const failed = new Set<string>();
  const sorted = [...deliveries].sort((a, b) => a.message.receivedAt - b.message.receivedAt);
  const keys = await organizationKeys(env.DB, [...new Set(sorted.map((d) => d.message.organizationId))]);
  const known = sorted.filter((d) => {
    if (keys.has(d.message.organizationId)) return true;
    console.warn("hit of an unknown organization dropped", d.message.organizationId);
    return false;
  });
  const prepared = await prepareHits(known, keys);
  let pending = Map.groupBy(prepared, (h) => h.message.organizationId);
  const outcomes = new Map<string, Map<string, ChargeOutcome>>();
  const touched: { organizationId: string; visitorId: string }[] = [];
  const stored: OrganizationPlan[] = [];
  const { states: firstStates, scoring, recipients, alerts } = await identifyAndRead(env, pending, keys);

  for (let round = 1; pending.size > 0; round++) {
    const states = round === 1 ? firstStates : await readStates(env.DB, pending, keys);
    const plans: OrganizationPlan[] = [];
    const anomalies: Anomaly[] = [];
    const reservedMeanwhile = new Set<string>();
    await Promise.all(
      [...pending].map(async ([organizationId, hits]) => {
        const state = states.get(organizationId)!;
        const known = outcomes.get(organizationId) ?? new Map<string, ChargeOutcome>();
        outcomes.set(organizationId, known);
        try {
          const { requests, reserved, people, newPeople, overCeiling } = chargeRequests(state, hits);
          // H3: the people of an address are written before the counter is asked, so two batches of one
          // address never both take its last places; one that finds the rows moved plans again.
          if (reserved.length > 0 && !(await reserve(env.DB, state.key, reserved, people))) {
            reservedMeanwhile.add(organizationId);
            return;
          }
          if (overCeiling > 0) anomalies.push(anomalyOf(state, hits, newPeople, overCeiling));
          const asked = requests.filter((r) => !known.has(r.eventId));
          const answers = await chargeByOrganization(
            env,
            asked.map((r) => ({ ...r, organizationId })),
          );
          for (const [eventId, outcome] of answers) known.set(eventId, outcome);
          plans.push(planOrganization(state, hits, known));
        } catch (error) {
          console.error(`charging hits of ${organizationId} failed`, error);
          failed.add(organizationId);
        }
      }),
    );
    // Before storing: once the hits are counted a replay skips them, so events emitted afterwards
    // could be lost; emitted first, a replay (or another round) emits them again and their ids dedupe.
    const charged = plans.flatMap((p) => p.charged);
    await emitChargedHits(env, charged, recipients);
    // Credits low or gone, a first visitor: e-mail notices, queued under ids of their cause (replays queue nothing).
    await queueChargeNotices(
      env,
      charged,
      (partnerId) => recipients.endpoints.get(partnerId)?.get("billing")?.low_credit_threshold_percent,
    );
    await emitAnomalies(env, anomalies, recipients);
    await emitCompanyVisits(
      env,
      plans.flatMap((p) => p.visits.map((visit) => ({ ...visit, organizationId: p.organizationId }))),
      recipients,
    );
    const conflicts = await write(env.DB, plans, failed);
    for (const id of reservedMeanwhile) conflicts.add(id);
    for (const plan of plans) {
      if (conflicts.has(plan.organizationId) || failed.has(plan.organizationId)) continue;
      stored.push(plan);
      for (const id of plan.waiting) waiting.add(`${plan.organizationId}|${id}`);
      for (const visitorId of plan.touched) touched.push({ organizationId: plan.organizationId, visitorId });
      if (plan.erased.length > 0) {
        try {
          await forgetLateErasures(env, plan.organizationId, plan.key, plan.erased);
        } catch (error) {
          // The visitors stay in late_erasures, which the cron works off.
          console.error(`forgetting erased people of ${plan.organizationId} failed; the cron will retry`, error);
        }
      }
    }
    pending = new Map([...pending].filter(([id]) => conflicts.has(id)));
    if (round === ROUNDS) {
      for (const id of pending.keys()) failed.add(id);
      break;
    }
  }
  await scoreAndAlert(env, touched, scoring, stored, alerts, recipients);
  return { waiting, failed };
}

/**
 * Writes the plans: all in one batch, which is what happens almost always; if that fails, each
 * organization alone, so one organization's failure is its own. Returns the organizations whose
 * guard saw a concurrent write (to plan again); the ones that failed otherwise go into `failed`.
 */
async function write(db: D1Database, plans: OrganizationPlan[], failed: Set<string>): Promise<Set<string>> {
  const conflicts = new Set<string>();
  if (plans.length === 0) return conflicts;
  try {
    await db.batch(plans.flatMap((p) => planStatements(db, p)));
    return conflicts;
  } catch (error) {
    if (plans.length === 1) {
      const { organizationId } = plans[0]!;
      if (isConflict(error)) conflicts.add(organizationId);
      else failed.add(organizationId);
      if (!isConflict(error)) console.error(`storing hits of ${organizationId} failed`, error);
      return conflicts;
    }
  }
  for (const plan of plans) {
    try {
      await db.batch(planStatements(db, plan));
    } catch (error) {
      if (isConflict(error)) conflicts.add(plan.organizationId);
      else {
        console.error(`storing hits of ${plan.organizationId} failed`, error);
        failed.add(plan.organizationId);
      }
    }
  }
  return conflicts;
}

/** Writes the address rows a plan reserved; false when one of them moved, or one of its people was suppressed, since it was read. */
async function reserve(
  db: D1Database,
  org: number,
  reserved: AddressState[],
  people: [string, string][],
): Promise<boolean> {
  try {
    await db.batch(reservationStatements(db, org, reserved, people));
    return true;
  } catch (error) {
    if (isConflict(error)) return false;
    throw error;
  }
}

/** The organization's `b2c.anomaly`: it reached `PEOPLE_PER_HOUR` with the batch's latest hit. */
function anomalyOf(state: OrganizationState, hits: PreparedHit[], newPeople: number, refused: number): Anomaly {
  const at = Math.max(...hits.map((h) => h.message.receivedAt));
  const peopleCharged = state.peopleLastHour + newPeople;
  return { organizationId: state.id, at, ceiling: PEOPLE_PER_HOUR, peopleCharged, refused };
}
