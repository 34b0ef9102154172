import type { Env } from "../env";
import { tenantEnv, type TenantEnv } from "../shards";
import { chargeByOrganization } from "../credits/charge";
import type { ChargeOutcome } from "../credits/counter";
import { exclusionsFor } from "../exclusions/apply";
import { suppressedAmong } from "../suppressions/queries";
import { rescoreTouchedVisitors } from "../icp/rescore";
import { identifierFor, type Identity } from "../identify";
import { profilesOf } from "../identify/profiles";
import type { Profile } from "../visitors/identity";
import { emitChargedHits } from "../webhooks/hit-events";
import { deviceId, parseDevice, type DeviceRow } from "./device-state";
import { dayNumber, eventKey, saltedKey, unixSeconds } from "./encoding";
import type { AcceptedHit, HitMessage, RejectedHit } from "./message";
import { organizationKeys, type OrganizationKey } from "./organization-keys";
import {
  chargeRequests,
  planOrganization,
  type OrganizationPlan,
  type OrganizationState,
  type PreparedHit,
  type StoredVisitor,
} from "./plan";
import { countRejections } from "./rejections";
import { isConflict, planStatements } from "./store";

/** Times an organization's batch is planned again after its guard saw a concurrent write. */
const ROUNDS = 5;
/** Delay before a message is delivered again: an engagement waiting for its page view, or a failed organization. */
const RETRY_SECONDS = 10;

/** A hit as the queue delivered it. */
export interface Delivery {
  message: AcceptedHit;
  /** Delivery attempts of the queue message (1 on the first). */
  attempts: number;
}

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
  const identities = await identifyHits(
    env,
    known.map((d) => d.message),
  );
  const prepared = await Promise.all(known.map((d) => prepare(d, keys.get(d.message.organizationId)!, identities)));
  let pending = Map.groupBy(prepared, (h) => h.message.organizationId);
  const outcomes = new Map<string, Map<string, ChargeOutcome>>();
  const touched: { organizationId: string; visitorId: string }[] = [];

  for (let round = 1; pending.size > 0; round++) {
    const states = await readStates(env.DB, pending, keys);
    const plans: OrganizationPlan[] = [];
    await Promise.all(
      [...pending].map(async ([organizationId, hits]) => {
        const state = states.get(organizationId)!;
        const known = outcomes.get(organizationId) ?? new Map<string, ChargeOutcome>();
        outcomes.set(organizationId, known);
        try {
          const asked = chargeRequests(state, hits).filter((r) => !known.has(r.eventId));
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
    await emitChargedHits(
      env,
      plans.flatMap((p) => p.charged),
    );
    const conflicts = await write(env.DB, plans, failed);
    for (const plan of plans) {
      if (conflicts.has(plan.organizationId) || failed.has(plan.organizationId)) continue;
      for (const id of plan.waiting) waiting.add(`${plan.organizationId}|${id}`);
      for (const visitorId of plan.touched) touched.push({ organizationId: plan.organizationId, visitorId });
    }
    pending = new Map([...pending].filter(([id]) => conflicts.has(id)));
    if (round === ROUNDS) {
      for (const id of pending.keys()) failed.add(id);
      break;
    }
  }
  await rescoreTouchedVisitors(env, touched);
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

interface Identified {
  identity: Identity | null;
  profile: Profile | null;
  excluded: boolean;
  suppressed: boolean;
}

const ANONYMOUS: Identified = { identity: null, profile: null, excluded: false, suppressed: false };

/**
 * Who each page view or identify call is (bots never). Engagement hits are not attempts: their
 * identity only finds their page view when their device row does not know it. Visitors the
 * organization excluded (by address, or by the identified company's or person's domain) lose their
 * identity and count as `excluded`; people the partner suppressed are never looked up and count as
 * `suppressed` (one query for the batch).
 */
async function identifyHits(env: TenantEnv, hits: AcceptedHit[]): Promise<Map<AcceptedHit, Identified>> {
  const attempts = hits.filter((h) => h.hit.t === "e" || !h.bot);
  const result = new Map<AcceptedHit, Identified>();
  if (attempts.length === 0) return result;
  const personal = attempts.filter((h) => h.productType === "B2C" && h.hit.h);
  const [exclusions, suppressed] = await Promise.all([
    exclusionsFor(env.DB, attempts),
    suppressedAmong(
      env.DB,
      personal.map((h) => ({ partnerId: h.partnerId, emailSha256: h.hit.h! })),
    ),
  ]);
  const candidates = attempts.filter((h) => {
    if (exclusions.coversAddress(h)) result.set(h, { ...ANONYMOUS, excluded: true });
    else if (h.productType === "B2C" && suppressed.has(`${h.partnerId}|${h.hit.h}`))
      result.set(h, { ...ANONYMOUS, suppressed: true });
    else return true;
    return false;
  });
  const found = await identifierFor(env).identify(
    candidates.map((h) => ({ ip: h.ip, emailSha256: h.hit.h ?? null, productType: h.productType })),
  );
  const profiles = await profilesOf(
    env.CATALOG,
    found.filter((i): i is Identity => i !== null),
  );
  candidates.forEach((h, i) => {
    const identity = found[i]!;
    const profile = identity ? (profiles.get(identity.key) ?? EMPTY_PROFILE) : null;
    if (identity && exclusions.coversIdentity(h, profile ?? undefined)) {
      result.set(h, { ...ANONYMOUS, excluded: true });
    } else {
      result.set(h, { ...ANONYMOUS, identity, profile });
    }
  });
  return result;
}

const EMPTY_PROFILE: Profile = {
  name: null,
  domain: null,
  industry: null,
  employeeRange: null,
  revenueRange: null,
  country: null,
  region: null,
  city: null,
  linkedinUrl: null,
  jobTitle: null,
  emailDomain: null,
  companyDomain: null,
  location: null,
};

/** The hit's compact keys, with who it was identified as. */
async function prepare(
  delivery: Delivery,
  key: OrganizationKey,
  identities: Map<AcceptedHit, Identified>,
): Promise<PreparedHit> {
  const { message } = delivery;
  const { hit } = message;
  const day = dayNumber(message.receivedAt);
  const who = identities.get(message) ?? ANONYMOUS;
  const [eventKeyOf, pageKey, device, visitor] = await Promise.all([
    eventKey(hit.i),
    hit.t === "e" ? eventKey(hit.p) : null,
    saltedKey(key.salt, `${message.ip ?? ""}|${message.userAgent ?? ""}|${day}`),
    who.identity ? saltedKey(key.salt, who.identity.key) : null,
  ]);
  return {
    message,
    attempts: delivery.attempts,
    key: eventKeyOf,
    pageKey,
    day,
    at: unixSeconds(message.receivedAt),
    device,
    identity: who.identity,
    profile: who.profile,
    visitor,
    excluded: who.excluded,
    suppressed: who.suppressed,
  };
}

/** The device rows, visitors and period snapshots the organizations' hits need, in one batch. */
async function readStates(
  db: D1Database,
  groups: Map<string, PreparedHit[]>,
  keys: Map<string, OrganizationKey>,
): Promise<Map<string, OrganizationState>> {
  const hits = [...groups.values()].flat();
  const org = (h: PreparedHit) => keys.get(h.message.organizationId)!.key;
  const devices = [...new Map(hits.map((h) => [`${org(h)}|${h.day}|${h.device}`, [org(h), h.day, h.device]])).values()];
  const visitors = [
    ...new Map(hits.flatMap((h) => (h.visitor ? [[`${org(h)}|${h.visitor}`, [org(h), h.visitor]]] : []))).values(),
  ];
  const [deviceRows, visitorRows, periodRows] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `SELECT d.org, d.day, d.device, d.version, d.last, d.seen, d.visits, d.people FROM json_each(?) j
         CROSS JOIN device_days d ON d.day = j.value ->> 1 AND d.org = j.value ->> 0 AND d.device = j.value ->> 2`,
      )
      .bind(JSON.stringify(devices)),
    db
      .prepare(
        `SELECT v.org, v.id, v.last_seen, v.charged_period, v.name, v.domain FROM json_each(?) j
         CROSS JOIN visitors v ON v.org = j.value ->> 0 AND v.id = j.value ->> 1`,
      )
      .bind(JSON.stringify(visitors)),
    db
      .prepare(
        `SELECT organization_id, current_period_start, current_period_end FROM organization_periods
         WHERE organization_id IN (SELECT value FROM json_each(?))`,
      )
      .bind(JSON.stringify([...groups.keys()])),
  ]);
  const states = new Map<string, OrganizationState>();
  const byKey = new Map<number, OrganizationState>();
  for (const organizationId of groups.keys()) {
    const state: OrganizationState = {
      id: organizationId,
      key: keys.get(organizationId)!.key,
      period: null,
      devices: new Map(),
      visitors: new Map(),
      pages: new Map(),
    };
    states.set(organizationId, state);
    byKey.set(state.key, state);
  }
  for (const row of deviceRows!.results as unknown as (DeviceRow & { org: number })[]) {
    byKey.get(row.org)!.devices.set(deviceId(row.day, row.device), parseDevice(row));
  }
  type VisitorStateRow = { org: number; id: string; last_seen: number; charged_period: number | null };
  for (const row of visitorRows!.results as unknown as (VisitorStateRow & {
    name: string | null;
    domain: string | null;
  })[]) {
    const stored: StoredVisitor = {
      lastSeen: row.last_seen,
      chargedPeriod: row.charged_period,
      name: row.name,
      domain: row.domain,
    };
    byKey.get(row.org)!.visitors.set(row.id, stored);
  }
  type PeriodRow = { organization_id: string; current_period_start: string; current_period_end: string };
  for (const row of periodRows!.results as unknown as PeriodRow[]) {
    states.get(row.organization_id)!.period = {
      start: unixSeconds(Date.parse(row.current_period_start)),
      end: unixSeconds(Date.parse(row.current_period_end)),
    };
  }
  await readPagesOfStrayEngagements(db, hits, states, keys);
  return states;
}

/**
 * Engagement hits whose device row does not know their page view (sent from another address or
 * browser, e.g. a beacon while the page unloads): their page view among the stored ones of the
 * visitor they identify. One more read, only when there are such hits.
 */
async function readPagesOfStrayEngagements(
  db: D1Database,
  hits: PreparedHit[],
  states: Map<string, OrganizationState>,
  keys: Map<string, OrganizationKey>,
) {
  const stray = hits.filter((h) => {
    if (h.message.hit.t !== "e" || !h.visitor) return false;
    const device = states.get(h.message.organizationId)!.devices.get(deviceId(h.day, h.device));
    return !device?.seen.includes(h.pageKey!);
  });
  if (stray.length === 0) return;
  const { results } = await db
    .prepare(
      `SELECT k.organization_id, v.id AS visitor, pv.key, pv.session FROM json_each(?) j
       CROSS JOIN organization_keys k ON k.key = j.value ->> 0
       CROSS JOIN visitors v ON v.org = k.key AND v.id = j.value ->> 1
       CROSS JOIN page_views pv ON pv.visitor = v.seq AND pv.key = j.value ->> 2`,
    )
    .bind(JSON.stringify(stray.map((h) => [keys.get(h.message.organizationId)!.key, h.visitor, h.pageKey])))
    .all<{ organization_id: string; visitor: string; key: string; session: number }>();
  for (const r of results) states.get(r.organization_id)!.pages.set(`${r.visitor}|${r.key}`, r.session);
}
