import type { Env } from "../env";
import { tenantEnv, type TenantEnv } from "../shards";
import { chargeByOrganization } from "../credits/charge";
import type { ChargeOutcome } from "../credits/counter";
import { exclusionsOf } from "../exclusions/apply";
import { rulesFrom, rulesStatement } from "../exclusions/queries";
import { suppressedAmongStatement, suppressedFrom } from "../suppressions/queries";
import { rescoreTouchedVisitors, scoringFrom, scoringStatements } from "../icp/rescore";
import { identifierFor } from "../identify";
import { answered } from "../identify/identifier";
import { ipRangeIdentifier } from "../identify/ip-ranges";
import { profilesFrom, profileStatements } from "../identify/profiles";
import type { Profile } from "../visitors/identity";
import { emitChargedHits, recipientsFrom, recipientStatements } from "./hit-events";
import { deviceId, parseDevice, type DeviceRow } from "./device-state";
import { dayNumber, eventKey, saltedKey, unixSeconds } from "../visitors/keys";
import type { AcceptedHit, HitMessage, RejectedHit } from "./message";
import { organizationKeys, type OrganizationKey } from "../visitors/organization-keys";
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
  const { states: firstStates, scoring, recipients } = await identifyAndRead(env, pending, keys);

  for (let round = 1; pending.size > 0; round++) {
    const states = round === 1 ? firstStates : await readStates(env.DB, pending, keys);
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
      recipients,
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
  await rescoreTouchedVisitors(env, touched, scoring);
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

/**
 * Who each page view or identify call is (bots never), with the state the first round plans on,
 * in two reads for B2B. First, in one batch of the shard, what needs no identity: the
 * organizations' exclusions, the suppressed people among the batch's, the device rows, the period
 * snapshots, what ICP scoring needs and whom webhook events go to; at the same time, the B2B
 * addresses against the imported ranges (catalog). Then the rest of the identification, for what was
 * neither excluded nor suppressed and only when there is any: imported people (B2C), a provider.
 * Then, when someone was identified, at once: the identities' profiles (catalog), and their visitors
 * and the page views of stray engagement hits (shard).
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
  const [[rules, devices, periods, ...rest], ranges] = await Promise.all([
    db.batch([
      rulesStatement(db, organizationIds),
      devicesStatement(db, hits, keys),
      periodsStatement(db, organizationIds),
      ...scoringStatements(db, organizationIds),
      ...recipientStatements(db, organizationIds, [...new Set(hits.map((h) => h.message.partnerId))]),
      ...(suppressions ? [suppressions] : []),
    ]),
    imported.identify([...inputs.values()]),
  ]);
  const states = emptyStates(groups, keys);
  addDevices(states, devices!);
  addPeriods(states, periods!);
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
  if (identified.length === 0) return { states, scoring, recipients };
  const stray = strayStatement(db, hits, states, keys);
  const [[companies, people], [visitors, pages]] = await Promise.all([
    env.CATALOG.batch(
      profileStatements(
        env.CATALOG,
        identified.map((f) => f.identity),
      ),
    ),
    db.batch([visitorsStatement(db, hits, keys), ...(stray ? [stray] : [])]),
  ]);
  const profiles = profilesFrom([companies!, people!]);
  addVisitors(states, visitors!);
  if (pages) addPages(states, pages);
  for (const { h, identity } of identified) {
    h.profile = profiles.get(identity.key) ?? EMPTY_PROFILE;
    if (exclusions.coversIdentity(h.message, h.profile)) {
      Object.assign(h, { identity: null, profile: null, visitor: null, excluded: true });
    }
  }
  return { states, scoring, recipients };
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
  const [eventKeyOf, pageKey, device] = await Promise.all([
    once(`e|${hit.i}`, () => eventKey(hit.i)),
    hit.t === "e" ? once(`e|${hit.p}`, () => eventKey(hit.p)) : null,
    once(`d|${message.organizationId}|${message.ip}|${message.userAgent}|${day}`, () =>
      saltedKey(key.salt, `${message.ip ?? ""}|${message.userAgent ?? ""}|${day}`),
    ),
  ]);
  return {
    message,
    attempts: delivery.attempts,
    key: eventKeyOf,
    pageKey,
    day,
    at: unixSeconds(message.receivedAt),
    device,
    identity: null,
    profile: null,
    visitor: null,
    excluded: false,
    suppressed: false,
  };
}

/** The device rows, visitors and period snapshots the organizations' hits need, in one batch (a later round). */
async function readStates(
  db: D1Database,
  groups: Map<string, PreparedHit[]>,
  keys: Map<string, OrganizationKey>,
): Promise<Map<string, OrganizationState>> {
  const hits = [...groups.values()].flat();
  const [devices, visitors, periods] = await db.batch([
    devicesStatement(db, hits, keys),
    visitorsStatement(db, hits, keys),
    periodsStatement(db, [...groups.keys()]),
  ]);
  const states = emptyStates(groups, keys);
  addDevices(states, devices!);
  addVisitors(states, visitors!);
  addPeriods(states, periods!);
  const stray = strayStatement(db, hits, states, keys);
  if (stray) addPages(states, await stray.all());
  return states;
}

function emptyStates(groups: Map<string, PreparedHit[]>, keys: Map<string, OrganizationKey>) {
  const states = new Map<string, OrganizationState>();
  for (const organizationId of groups.keys()) {
    states.set(organizationId, {
      id: organizationId,
      key: keys.get(organizationId)!.key,
      period: null,
      devices: new Map(),
      visitors: new Map(),
      pages: new Map(),
    });
  }
  return states;
}

const orgKey = (keys: Map<string, OrganizationKey>, h: PreparedHit) => keys.get(h.message.organizationId)!.key;

function devicesStatement(db: D1Database, hits: PreparedHit[], keys: Map<string, OrganizationKey>) {
  const devices = new Map(
    hits.map((h) => [`${orgKey(keys, h)}|${h.day}|${h.device}`, [orgKey(keys, h), h.day, h.device]]),
  );
  return db
    .prepare(
      `SELECT d.org, d.day, d.device, d.version, d.last, d.seen, d.visits, d.people FROM json_each(?) j
       CROSS JOIN device_days d ON d.day = j.value ->> 1 AND d.org = j.value ->> 0 AND d.device = j.value ->> 2`,
    )
    .bind(JSON.stringify([...devices.values()]));
}

function addDevices(states: Map<string, OrganizationState>, result: D1Result) {
  const byKey = new Map([...states.values()].map((s) => [s.key, s]));
  for (const row of result.results as (DeviceRow & { org: number })[]) {
    byKey.get(row.org)!.devices.set(deviceId(row.day, row.device), parseDevice(row));
  }
}

function visitorsStatement(db: D1Database, hits: PreparedHit[], keys: Map<string, OrganizationKey>) {
  const visitors = new Map(
    hits.flatMap((h) => (h.visitor ? [[`${orgKey(keys, h)}|${h.visitor}`, [orgKey(keys, h), h.visitor]]] : [])),
  );
  return db
    .prepare(
      `SELECT v.org, v.id, v.last_seen, v.charged_period, v.name, v.domain FROM json_each(?) j
       CROSS JOIN visitors v ON v.org = j.value ->> 0 AND v.id = j.value ->> 1`,
    )
    .bind(JSON.stringify([...visitors.values()]));
}

function addVisitors(states: Map<string, OrganizationState>, result: D1Result) {
  const byKey = new Map([...states.values()].map((s) => [s.key, s]));
  type VisitorStateRow = {
    org: number;
    id: string;
    last_seen: number;
    charged_period: number | null;
    name: string | null;
    domain: string | null;
  };
  for (const row of result.results as VisitorStateRow[]) {
    byKey.get(row.org)!.visitors.set(row.id, {
      lastSeen: row.last_seen,
      chargedPeriod: row.charged_period,
      name: row.name,
      domain: row.domain,
    } satisfies StoredVisitor);
  }
}

const periodsStatement = (db: D1Database, organizationIds: string[]) =>
  db
    .prepare(
      `SELECT organization_id, current_period_start, current_period_end FROM organization_periods
       WHERE organization_id IN (SELECT value FROM json_each(?))`,
    )
    .bind(JSON.stringify(organizationIds));

function addPeriods(states: Map<string, OrganizationState>, result: D1Result) {
  type PeriodRow = { organization_id: string; current_period_start: string; current_period_end: string };
  for (const row of result.results as PeriodRow[]) {
    states.get(row.organization_id)!.period = {
      start: unixSeconds(Date.parse(row.current_period_start)),
      end: unixSeconds(Date.parse(row.current_period_end)),
    };
  }
}

/**
 * Engagement hits whose device row does not know their page view (sent from another address or
 * browser, e.g. a beacon while the page unloads), unless the page view is in this batch on the same
 * device: their page view among the stored ones of the visitor they identify. Null when there are none.
 */
function strayStatement(
  db: D1Database,
  hits: PreparedHit[],
  states: Map<string, OrganizationState>,
  keys: Map<string, OrganizationKey>,
): D1PreparedStatement | null {
  const onDevice = (h: PreparedHit, key: string) => `${h.message.organizationId}|${deviceId(h.day, h.device)}|${key}`;
  const inBatch = new Set(hits.filter((h) => h.message.hit.t !== "e").map((h) => onDevice(h, h.key)));
  const stray = hits.filter((h) => {
    if (h.message.hit.t !== "e" || !h.visitor || inBatch.has(onDevice(h, h.pageKey!))) return false;
    const device = states.get(h.message.organizationId)!.devices.get(deviceId(h.day, h.device));
    return !device?.seen.includes(h.pageKey!);
  });
  if (stray.length === 0) return null;
  return db
    .prepare(
      `SELECT k.organization_id, v.id AS visitor, pv.key, pv.session FROM json_each(?) j
       CROSS JOIN organization_keys k ON k.key = j.value ->> 0
       CROSS JOIN visitors v ON v.org = k.key AND v.id = j.value ->> 1
       CROSS JOIN page_views pv ON pv.visitor = v.seq AND pv.key = j.value ->> 2`,
    )
    .bind(JSON.stringify(stray.map((h) => [orgKey(keys, h), h.visitor, h.pageKey])));
}

function addPages(states: Map<string, OrganizationState>, result: D1Result) {
  type PageRow = { organization_id: string; visitor: string; key: string; session: number };
  for (const r of result.results as PageRow[])
    states.get(r.organization_id)!.pages.set(`${r.visitor}|${r.key}`, r.session);
}
