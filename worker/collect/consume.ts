import type { Env } from "../env";
import { tenantEnv, type TenantEnv } from "../shards";
import { chargeByOrganization } from "../credits/charge";
import type { ChargeOutcome } from "../credits/counter";
import { exclusionsOf } from "../exclusions/apply";
import { rulesFrom, rulesStatement } from "../exclusions/queries";
import { suppressedAmongStatement, suppressedFrom } from "../suppressions/queries";
import { scoringFrom, scoringStatements } from "../icp/rescore";
import { identifierFor } from "../identify";
import { answered } from "../identify/identifier";
import { ipRangeIdentifier } from "../identify/ip-ranges";
import { profilesFrom, profileStatements } from "../identify/profiles";
import type { Profile } from "../visitors/identity";
import { forgetLateErasures } from "../erasures/visitor";
import { emitAnomalies, emitChargedHits, emitCompanyVisits, type Anomaly } from "./hit-events";
import { recipientsFrom, recipientStatements } from "../webhooks/recipients";
import { queueChargeNotices } from "../notices/queue";
import { activeRulesFrom, activeRulesStatement, claimsFrom, claimsStatement, NO_ALERTS } from "../alerts/rules";
import { dayNumber, eventKey, saltedKey, textKey, unixSeconds } from "../visitors/keys";
import type { AcceptedHit, HitMessage, RejectedHit } from "./message";
import { organizationKeys, type OrganizationKey } from "../visitors/organization-keys";
import { pageFacts } from "./page";
import { chargeRequests, PEOPLE_PER_HOUR } from "./people-limits";
import type { VisitOrigin } from "./device-state";
import { planOrganization, REFERRER_LENGTH } from "./plan";
import type { AddressState, OrganizationPlan, OrganizationState, PreparedHit } from "./plan-types";
import {
  addAddresses,
  addDays,
  addDevices,
  addLastHour,
  addPages,
  addTexts,
  addPeriods,
  addStored,
  addVisitors,
  addressesStatement,
  daysStatement,
  devicesStatement,
  emptyStates,
  lastHourStatement,
  periodsStatement,
  readStates,
  storedStatement,
  strayStatement,
  textsStatement,
  visitorsStatement,
} from "./read-state";
import { countRejections } from "./rejections";
import { scoreAndAlert } from "./after-store";
import { isConflict, planStatements, reservationStatements } from "./store";
import { subscriberOf } from "../rate-limit/address";

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
  const hashed = new Map<string, Promise<string>>();
  const once = (id: string, hash: () => Promise<string>) => {
    let key = hashed.get(id);
    if (!key) hashed.set(id, (key = hash()));
    return key;
  };
  const prepared = await Promise.all(known.map((d) => prepare(d, keys.get(d.message.organizationId)!, once)));
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

/**
 * Who each page view or identify call is (bots never), with the state the first round plans on,
 * in two reads for B2B. First, in one batch of the shard, what needs no identity: the
 * organizations' exclusions, the suppressed people among the batch's, the device rows, the period
 * snapshots, what ICP scoring needs and whom webhook events go to; at the same time, the B2B
 * addresses against the imported ranges (catalog). Then the rest of the identification, for what was
 * neither excluded nor suppressed and only when there is any: imported people (B2C), a provider.
 * Then, when someone was identified, at once: the identities' profiles (catalog), and their visitors,
 * the page views of stray engagement hits, and their organizations' alert rules with the visitors'
 * cooldowns (shard): alerts cost an anonymous hit nothing.
 *
 * Engagement hits are not attempts: their identity only finds their page view when their device row
 * does not know it. Visitors the organization excluded (by address, or by the identified company's or
 * person's domain) lose their identity and count as `excluded`; people the partner suppressed are
 * never looked up and count as `suppressed`. Sets these on the hits.
 */
async function identifyAndRead(env: TenantEnv, groups: Map<string, PreparedHit[]>, keys: Map<string, OrganizationKey>) {
  const db = env.DB;
  const hits = [...groups.values()].flat();
  const organizationIds = [...groups.keys()];
  const attempts = hits.filter((h) => h.message.hit.t === "e" || !h.message.bot);
  const personal = attempts.filter((h) => h.message.productType === "B2C" && h.message.hit.h);
  const suppressions = suppressedAmongStatement(
    db,
    personal.map((h) => ({ partnerId: h.message.partnerId, emailSha256: h.message.hit.h! })),
  );
  const inputs = new Map(
    attempts.map(({ message: m }) => [m, { ip: m.ip, emailSha256: m.hit.h ?? null, productType: m.productType }]),
  );
  // The tenant's shard and the catalog are two databases, read at once: the imported ranges are
  // matched while the exclusions are read, and an excluded address's match is dropped unused.
  const imported = ipRangeIdentifier(env.CATALOG);
  const [[rules, devices, periods, days, addresses, lastHour, ...rest], ranges] = await Promise.all([
    db.batch([
      rulesStatement(db, organizationIds),
      devicesStatement(db, hits, keys),
      periodsStatement(db, organizationIds),
      daysStatement(db, hits),
      addressesStatement(db, hits, keys),
      lastHourStatement(db, hits, keys),
      ...scoringStatements(db, organizationIds),
      ...recipientStatements(db, organizationIds, [...new Set(hits.map((h) => h.message.partnerId))]),
      ...(suppressions ? [suppressions] : []),
    ]),
    imported.identify([...inputs.values()]),
  ]);
  const states = emptyStates(groups, keys);
  addDevices(states, devices!);
  addPeriods(states, periods!);
  const topPages = addDays(states, days!);
  addAddresses(states, addresses!);
  addLastHour(states, lastHour!);
  const scoring = scoringFrom(rest.slice(0, 2));
  const recipients = recipientsFrom(rest.slice(2, 4));
  const exclusions = exclusionsOf(rulesFrom(rules!));
  const suppressed = suppressions ? suppressedFrom(rest[4]!) : new Set<string>();

  const candidates = attempts.filter((h) => {
    if (exclusions.coversAddress(h.message)) h.excluded = true;
    else if (h.message.productType === "B2C" && suppressed.has(`${h.message.partnerId}|${h.message.hit.h}`))
      h.suppressed = true;
    else return true;
    return false;
  });
  const byRange = answered(new Map([...inputs.values()].map((input, i) => [input, ranges[i] ?? null])));
  const found = await identifierFor(env, byRange).identify(candidates.map((h) => inputs.get(h.message)!));
  const identified = candidates.flatMap((h, i) => (found[i] ? [{ h, identity: found[i] }] : []));
  const visitorKeys = await Promise.all(
    identified.map(({ h, identity }) => saltedKey(keys.get(h.message.organizationId)!.salt, identity.key)),
  );
  identified.forEach(({ h, identity }, i) => {
    h.identity = identity;
    h.visitor = visitorKeys[i]!;
  });
  if (identified.length === 0) return { states, scoring, recipients, alerts: NO_ALERTS };
  const stray = strayStatement(db, hits, states, keys);
  const texts = textsStatement(db, hits, states, keys);
  const identifiedVisitors = identified.map(({ h }) => ({
    organizationId: h.message.organizationId,
    visitor: h.visitor!,
  }));
  const [[companies, people], [visitors, stored, enabledRules, claims, ...more]] = await Promise.all([
    env.CATALOG.batch(
      profileStatements(
        env.CATALOG,
        identified.map((f) => f.identity),
      ),
    ),
    db.batch([
      visitorsStatement(db, hits, keys),
      storedStatement(db, hits, keys),
      activeRulesStatement(db, [...new Set(identifiedVisitors.map((v) => v.organizationId))]),
      claimsStatement(db, identifiedVisitors),
      ...[stray, texts].filter((s) => s !== null),
    ]),
  ]);
  const profiles = profilesFrom([companies!, people!]);
  addVisitors(states, visitors!);
  addStored(states, stored!);
  if (stray) addPages(states, more.shift()!);
  await addTexts(states, groups, texts ? more.shift() : undefined, topPages);
  const alerts = { rules: activeRulesFrom(enabledRules!), claims: claimsFrom(claims!) };
  for (const { h, identity } of identified) {
    h.profile = profiles.get(identity.key) ?? EMPTY_PROFILE;
    if (exclusions.coversIdentity(h.message, h.profile)) {
      Object.assign(h, { identity: null, profile: null, visitor: null, excluded: true });
    }
  }
  return { states, scoring, recipients, alerts };
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

/**
 * The hit's compact keys; who it is comes later (`identifyAndRead`). `once` hashes each input once a
 * batch: a device sends several hits, and an engagement's page view is often in the same batch.
 */
async function prepare(
  delivery: Delivery,
  key: OrganizationKey,
  once: (id: string, hash: () => Promise<string>) => Promise<string>,
): Promise<PreparedHit> {
  const { message } = delivery;
  const { hit } = message;
  const day = dayNumber(message.receivedAt);
  const b2c = message.productType === "B2C";
  const texts = b2c && hit.t === "v" ? anonymousTexts(message) : null;
  const subscriber = subscriberOf(message.ip ?? "");
  const [eventKeyOf, pageKey, device, pathKey, originKey, address] = await Promise.all([
    once(`e|${hit.i}`, () => eventKey(hit.i)),
    hit.t === "e" ? once(`e|${hit.p}`, () => eventKey(hit.p)) : null,
    once(`d|${message.organizationId}|${message.ip}|${message.userAgent}|${day}`, () =>
      saltedKey(key.salt, `${message.ip ?? ""}|${message.userAgent ?? ""}|${day}`),
    ),
    texts && once(`t|${texts.path}`, () => textKey(texts.path)),
    texts?.origin ? once(`t|${texts.origin}`, () => textKey(texts.origin!)) : null,
    b2c
      ? once(`a|${message.organizationId}|${subscriber}|${day}`, () => saltedKey(key.salt, `a|${subscriber}|${day}`))
      : null,
  ]);
  return {
    message,
    attempts: delivery.attempts,
    key: eventKeyOf,
    pageKey,
    day,
    at: unixSeconds(message.receivedAt),
    device,
    texts: texts && { path: [pathKey!, texts.path], origin: texts.origin ? [originKey!, texts.origin] : null },
    address,
    identity: null,
    profile: null,
    visitor: null,
    excluded: false,
    suppressed: false,
  };
}

/** A B2C page view's path, and how a visit beginning with it began (`VisitOrigin`, as JSON; null when the path is all). */
function anonymousTexts({ hit, hashRouting }: AcceptedHit) {
  const facts = pageFacts(hit.u, hashRouting);
  const referrer = hit.t === "v" && hit.r ? hit.r.slice(0, REFERRER_LENGTH) : null;
  const origin: VisitOrigin = [facts.path, referrer, ...Object.values(facts.utm)];
  return { path: facts.path, origin: origin.slice(1).some((v) => v !== null) ? JSON.stringify(origin) : null };
}
