import type { ChargeReason } from "../../shared/billing";
import type { ChargeOutcome, ChargeRequest } from "../credits/counter";
import type { Identity } from "../identify";
import { publicVisitorId, type Profile } from "../visitors/identity";
import { parseDevice as parseUserAgent } from "./device";
import { deviceId, newDevice, PENDING_LIMIT, visitPages, type DeviceState, type Visit } from "./device-state";
import { dayStart, dayText } from "../visitors/keys";
import type { AcceptedHit } from "./message";
import { pageFacts } from "./page";
import { addEntry, emptyDelta, OUTCOME_COLUMN, type RollupDelta } from "./rollups";

/** A session ends after 30 minutes without a page view or identify call (docs/partner-api.md#charging). */
export const SESSION_GAP_SECONDS = 30 * 60;
/** An engagement hit whose page view is not counted yet is retried until its message's attempt (docs/collect.md). */
export const ENGAGEMENT_ATTEMPTS = 3;
/** H3: people charged per device and day at most; further people on it are `suspicious`, never charged. */
export const PEOPLE_PER_DEVICE = 3;
/** Longest referrer kept. */
const REFERRER_LENGTH = 512;

/** A hit with its compact keys and who it was identified as, ready to be planned. */
export interface PreparedHit {
  message: AcceptedHit;
  /** Delivery attempts of its queue message (1 on the first). */
  attempts: number;
  /** Event key of the hit, and of the page view an engagement hit reports on. */
  key: string;
  pageKey: string | null;
  day: number;
  /** Unix seconds of its arrival at the edge. */
  at: number;
  device: string;
  /** Null when nobody was identified, for bots, for visitors the organization excludes and people the partner suppressed. */
  identity: Identity | null;
  profile: Profile | null;
  /** The visitor id of the identity in this organization. */
  visitor: string | null;
  excluded: boolean;
  suppressed: boolean;
}

/** A stored visitor, as far as the consumer needs it. */
export interface StoredVisitor {
  lastSeen: number;
  chargedPeriod: number | null;
  name: string | null;
  domain: string | null;
}

/** What the consumer read about one organization before planning. */
export interface OrganizationState {
  id: string;
  key: number;
  /** The counter's current period as last mirrored to D1 (unix seconds), when known. */
  period: { start: number; end: number } | null;
  devices: Map<string, DeviceState>;
  visitors: Map<string, StoredVisitor>;
  /** Stored page views engagement hits report on that their device rows do not know: `visitor|key` → session. */
  pages: Map<string, number>;
}

export interface VisitorWrite {
  id: string;
  type: Identity["type"];
  profile: Profile;
  isNew: boolean;
  searchChanged: boolean;
  firstSeen: number;
  lastSeen: number;
  sessions: number;
  pageViews: number;
  engagedSeconds: number;
  scrollSum: number;
  scrollSamples: number;
  /** First touch, used only when the row is created. */
  source: SessionSource | null;
  lastPage: string | null;
  deviceType: string;
  browser: string | null;
  os: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  chargedPeriod: number | null;
}

export interface SessionSource {
  landing: string | null;
  referrer: string | null;
  utm: (string | null)[];
}

export interface SessionWrite {
  visitor: string;
  start: number;
  lastSeen: number;
  pageViews: number;
  source: SessionSource;
  deviceType: string;
}

export interface PageViewWrite {
  visitor: string;
  session: number;
  key: string;
  at: number;
  path: string;
  engagedSeconds: number;
  scrollDepth: number | null;
}

export interface EngagementWrite {
  visitor: string;
  session: number;
  key: string;
  seconds: number;
  depth: number;
}

export interface ChargeWrite {
  at: number;
  eventId: string;
  visitor: string;
  type: Identity["type"];
  periodStart: number;
}

/** A hit charged in this plan, for the webhooks. */
export interface ChargedHit {
  message: AcceptedHit;
  identityType: Identity["type"];
  outcome: ChargeOutcome;
  visitor: string;
  session: number;
}

export interface OrganizationPlan {
  organizationId: string;
  key: number;
  devices: DeviceState[];
  rollups: RollupDelta[];
  visitors: VisitorWrite[];
  newVisitors: number;
  sessions: SessionWrite[];
  pageViews: PageViewWrite[];
  engagements: EngagementWrite[];
  charges: ChargeWrite[];
  /** Visitors this plan assumed absent, or not seen since a time: [id, unix seconds] (0: absent). */
  assumed: [string, number][];
  /** Engagement hits to retry later (their page view is not counted yet), by event id. */
  waiting: Set<string>;
  charged: ChargedHit[];
  /** Identified visitors touched, for ICP rescoring. */
  touched: string[];
}

const isVisit = (h: PreparedHit) => h.message.hit.t !== "e";

function deviceOf(org: OrganizationState, h: PreparedHit): DeviceState {
  const id = deviceId(h.day, h.device);
  let device = org.devices.get(id);
  if (!device) {
    device = newDevice(h.day, h.device);
    org.devices.set(id, device);
  }
  return device;
}

/** The D1 mirror already shows this identity charged in the hit's period: no counter call needed. */
function chargedPerD1(org: OrganizationState, h: PreparedHit): number | null {
  const stored = h.visitor ? org.visitors.get(h.visitor) : undefined;
  const period = org.period;
  if (!stored || !period || stored.chargedPeriod !== period.start) return null;
  return h.at >= period.start && h.at < period.end ? period.start : null;
}

/** Visit hits not counted yet, in order, each once. */
function freshVisits(org: OrganizationState, hits: PreparedHit[]): PreparedHit[] {
  const taken = new Set<string>();
  return hits.filter((h) => {
    if (!isVisit(h)) return false;
    const id = `${h.day}|${h.device}|${h.key}`;
    if (taken.has(id) || org.devices.get(deviceId(h.day, h.device))?.seen.includes(h.key)) return false;
    taken.add(id);
    return true;
  });
}

/**
 * The charges to ask the organization's counter for: identified fresh hits, except identities
 * D1 already shows charged in the period (repeat visits never reach the counter) and people
 * beyond `PEOPLE_PER_DEVICE` on one device in a day.
 */
export function chargeRequests(org: OrganizationState, hits: PreparedHit[]): ChargeRequest[] {
  const people = new Map<string, Set<string>>();
  const requests: ChargeRequest[] = [];
  for (const h of freshVisits(org, hits)) {
    if (!h.identity || !h.visitor || chargedPerD1(org, h) !== null) continue;
    if (h.identity.type === "person") {
      const id = deviceId(h.day, h.device);
      const charged = people.get(id) ?? new Set(org.devices.get(id)?.people ?? []);
      people.set(id, charged);
      if (!charged.has(h.visitor) && charged.size >= PEOPLE_PER_DEVICE) continue;
      charged.add(h.visitor);
    }
    requests.push({ eventId: h.message.hit.i, identity: publicVisitorId(h.visitor), at: h.message.receivedAt });
  }
  return requests;
}

/**
 * Everything one organization's batch writes, computed in JS from what was read and the
 * counter's outcomes (keyed by event id; a hit identified but neither asked nor charged per D1
 * is `suspicious`). Mutates the device states it is given.
 */
export function planOrganization(
  org: OrganizationState,
  hits: PreparedHit[],
  outcomes: Map<string, ChargeOutcome>,
): OrganizationPlan {
  const plan: OrganizationPlan = {
    organizationId: org.id,
    key: org.key,
    devices: [],
    rollups: [],
    visitors: [],
    newVisitors: 0,
    sessions: [],
    pageViews: [],
    engagements: [],
    charges: [],
    assumed: [],
    waiting: new Set(),
    charged: [],
    touched: [],
  };
  const rollups = new Map<string, RollupDelta>();
  const rollup = (day: number) => {
    const text = dayText(day);
    let delta = rollups.get(text);
    if (!delta) rollups.set(text, (delta = emptyDelta(text)));
    return delta;
  };
  const visitors = new Map<string, VisitorWrite>();
  const sessions = new Map<string, SessionWrite>();
  const engagements = new Map<string, EngagementWrite>();
  const countedToday = new Set<string>();

  for (const h of freshVisits(org, hits)) {
    const { hit } = h.message;
    const device = deviceOf(org, h);
    device.seen.push(h.key);
    device.changed = true;
    const delta = rollup(h.day);

    const charged = chargedPerD1(org, h);
    const outcome: ChargeOutcome | null =
      outcomes.get(hit.i) ??
      (charged !== null
        ? {
            eventId: hit.i,
            reason: "already_charged_this_period",
            periodStart: charged * 1000,
            used: 0,
            allocation: null,
            available: null,
          }
        : null);
    const reason: ChargeReason = h.message.bot
      ? "bot"
      : h.excluded
        ? "excluded"
        : h.suppressed
          ? "suppressed"
          : !h.identity
            ? "not_identified"
            : (outcome?.reason ?? "suspicious");
    delta.counts.events += 1;
    delta.counts[OUTCOME_COLUMN[reason]] += 1;
    delta.lastHit = Math.max(delta.lastHit, h.at);
    if (h.message.bot) continue;

    const facts = pageFacts(hit.u, h.message.hashRouting);
    const referrer = hit.t === "v" && hit.r ? hit.r.slice(0, REFERRER_LENGTH) : null;
    if (device.version === 0 && !device.counted) {
      device.counted = true;
      delta.counts.visitors += 1;
    }
    const identified = reason === "charged" || reason === "already_charged_this_period";
    const visitorId = identified ? h.visitor : null;

    let visit = device.visits.at(-1);
    const startsVisit =
      !visit || h.at - device.last > SESSION_GAP_SECONDS || (visitorId !== null && !!visit.v && visit.v !== visitorId);
    if (startsVisit) {
      visit = { s: h.at };
      device.visits.push(visit);
      if (hit.t === "v") addEntry(delta.sources, facts.utm.source ?? hostOf(referrer) ?? "");
      if (!visitorId && h.message.productType === "B2C") {
        visit.o = [facts.path, referrer, ...Object.values(facts.utm)];
      }
    }
    const current = visit!;
    device.last = Math.max(device.last, h.at);
    if (hit.t === "v") {
      delta.counts.page_views += 1;
      addEntry(delta.pages, facts.path);
    }

    if (!visitorId || !h.identity || !h.profile) {
      if (h.message.productType === "B2C" && hit.t === "v" && !current.v) {
        current.p = [...(current.p ?? []), [h.key, facts.path, h.at, 0, null]].slice(-PENDING_LIMIT) as Visit["p"];
      }
      continue;
    }

    delta.counts.identifications += 1;
    const stored = org.visitors.get(visitorId);
    const ua = parseUserAgent(h.message.userAgent, hit.t === "v" ? hit.w : undefined);
    let visitor = visitors.get(visitorId);
    if (!visitor) {
      const searchChanged = !stored || stored.name !== h.profile.name || stored.domain !== h.profile.domain;
      visitor = {
        id: visitorId,
        type: h.identity.type,
        profile: h.profile,
        isNew: !stored,
        searchChanged,
        firstSeen: h.at,
        lastSeen: h.at,
        sessions: 0,
        pageViews: 0,
        engagedSeconds: 0,
        scrollSum: 0,
        scrollSamples: 0,
        source: null,
        lastPage: null,
        deviceType: ua.type,
        browser: ua.browser,
        os: ua.os,
        country: h.message.country,
        region: h.message.region,
        city: h.message.city,
        chargedPeriod: null,
      };
      visitors.set(visitorId, visitor);
      plan.touched.push(visitorId);
      if (!stored) {
        plan.newVisitors += 1;
        delta.counts.new_visitors += 1;
        plan.assumed.push([visitorId, 0]);
      }
    }
    visitor.firstSeen = Math.min(visitor.firstSeen, h.at);
    if (h.at >= visitor.lastSeen) {
      Object.assign(visitor, {
        deviceType: ua.type,
        browser: ua.browser,
        os: ua.os,
        country: h.message.country ?? visitor.country,
        region: h.message.region ?? visitor.region,
        city: h.message.city ?? visitor.city,
      });
    }
    visitor.lastSeen = Math.max(visitor.lastSeen, h.at);
    const todayKey = `${visitorId}|${h.day}`;
    if (!countedToday.has(todayKey) && (!stored || stored.lastSeen < dayStart(h.day))) {
      countedToday.add(todayKey);
      delta.counts.identified_visitors += 1;
      if (stored) plan.assumed.push([visitorId, dayStart(h.day)]);
    }

    // The session: created when the visit first has this visitor, with what it started with.
    const sessionId = `${visitorId}|${current.s}`;
    let session = sessions.get(sessionId);
    if (!session) {
      const origin = current.v ? null : current.o;
      const source: SessionSource = origin
        ? { landing: origin[0], referrer: origin[1], utm: origin.slice(2) }
        : { landing: facts.path, referrer, utm: Object.values(facts.utm) };
      session = { visitor: visitorId, start: current.s, lastSeen: h.at, pageViews: 0, source, deviceType: ua.type };
      sessions.set(sessionId, session);
      if (!current.v) {
        visitor.sessions += 1;
        visitor.source ??= source;
      }
    }
    session.lastSeen = Math.max(session.lastSeen, h.at);
    if (!current.v) {
      current.v = visitorId;
      // B2C: the visit's anonymous page views belong to the person who just identified.
      for (const [key, path, at, seconds, depth] of current.p ?? []) {
        addPageView(plan, visitor, session, current, { key, path, at, seconds, depth });
      }
      delete current.p;
      delete current.o;
    }
    if (hit.t === "v") {
      addPageView(plan, visitor, session, current, { key: h.key, path: facts.path, at: h.at, seconds: 0, depth: null });
    }

    if (reason === "charged" || (outcome && outcomes.has(hit.i))) {
      visitor.chargedPeriod = Math.max(visitor.chargedPeriod ?? 0, Math.floor(outcome!.periodStart / 1000));
    }
    if (reason === "charged") {
      plan.charges.push({
        at: h.at,
        eventId: hit.i,
        visitor: visitorId,
        type: h.identity.type,
        periodStart: Math.floor(outcome!.periodStart / 1000),
      });
      plan.charged.push({
        message: h.message,
        identityType: h.identity.type,
        outcome: outcome!,
        visitor: visitorId,
        session: current.s,
      });
      if (h.identity.type === "person" && !device.people.includes(visitorId)) device.people.push(visitorId);
    }
  }

  for (const h of hits) {
    if (isVisit(h) || h.message.hit.t !== "e") continue;
    const { s, d } = h.message.hit;
    const device = org.devices.get(deviceId(h.day, h.device));
    const visit = device?.visits.find((v) => visitPages(v).includes(h.pageKey!));
    const pending = device?.visits.flatMap((v) => v.p ?? []).find((p) => p[0] === h.pageKey);
    // The page view's visit: on this device, else (another address or browser) a stored page view of the
    // visitor this hit's address or email identifies.
    const stored = h.visitor ? org.pages.get(`${h.visitor}|${h.pageKey}`) : undefined;
    const found = visit?.v
      ? { visitor: visit.v, session: visit.s }
      : stored !== undefined
        ? { visitor: h.visitor!, session: stored }
        : null;
    if (found) {
      const id = `${found.visitor}|${found.session}|${h.pageKey}`;
      const e = engagements.get(id) ?? { ...found, key: h.pageKey!, seconds: 0, depth: 0 };
      e.seconds = Math.max(e.seconds, s);
      e.depth = Math.max(e.depth, d);
      engagements.set(id, e);
    } else if (pending) {
      pending[3] = Math.max(pending[3], s);
      pending[4] = Math.max(pending[4] ?? 0, d);
      device!.changed = true;
    } else if (device?.seen.includes(h.pageKey!) || device?.seen.includes(h.key)) {
      // The page view was counted but nobody was identified (or this hit was already dropped): nothing to keep.
    } else if (h.attempts < ENGAGEMENT_ATTEMPTS) {
      plan.waiting.add(h.message.hit.i);
    } else {
      const late = deviceOf(org, h);
      late.seen.push(h.key);
      late.changed = true;
      rollup(h.day).counts.late_engagements += 1;
    }
  }

  plan.devices = [...org.devices.values()].filter((d) => d.changed);
  plan.rollups = [...rollups.values()];
  plan.visitors = [...visitors.values()];
  plan.sessions = [...sessions.values()];
  plan.engagements = [...engagements.values()];
  return plan;
}

function addPageView(
  plan: OrganizationPlan,
  visitor: VisitorWrite,
  session: SessionWrite,
  visit: Visit,
  page: { key: string; path: string; at: number; seconds: number; depth: number | null },
) {
  plan.pageViews.push({
    visitor: visitor.id,
    session: session.start,
    key: page.key,
    at: Math.max(0, page.at - session.start),
    path: page.path,
    engagedSeconds: page.seconds,
    scrollDepth: page.depth,
  });
  visit.k = (visit.k ?? "") + page.key;
  visitor.pageViews += 1;
  visitor.engagedSeconds += page.seconds;
  if (page.depth !== null) {
    visitor.scrollSum += page.depth;
    visitor.scrollSamples += 1;
  }
  if (page.at >= visitor.lastSeen || visitor.lastPage === null) visitor.lastPage = page.path;
  session.pageViews += 1;
  session.lastSeen = Math.max(session.lastSeen, page.at);
}

function hostOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).host || null;
  } catch {
    return null;
  }
}
