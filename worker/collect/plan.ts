import type { ChargeReason } from "../../shared/billing";
import type { ChargeOutcome } from "../credits/counter";
import { parseDevice as parseUserAgent } from "./device";
import { deviceId, deviceOf, PENDING_LIMIT, type Visit } from "./device-state";
import { dayStart, dayText } from "../visitors/keys";
import { pageFacts, REFERRER_LENGTH } from "./page";
import { planEngagements } from "./plan-engagements";
import { addPageView, anonymousSource, hostOf } from "./plan-pages";
import type {
  KeyedText,
  OrganizationPlan,
  OrganizationState,
  PreparedHit,
  SessionWrite,
  VisitorWrite,
} from "./plan-types";
import { ERASED_VISITOR } from "../erasures/visitor";
import { addEntry, emptyDelta, OUTCOME_COLUMN, type RollupDelta } from "./rollups";

/** A session ends after 30 minutes without a page view or identify call (docs/partner-api.md#charging). */
export const SESSION_GAP_SECONDS = 30 * 60;
/**
 * H4: distinct texts (paths, how visits began) an organization keeps per UTC day for its anonymous B2C
 * visits; past it, an identify call finds a path only among the day's top pages.
 */
export const ANONYMOUS_TEXTS_PER_DAY = 1_000;

const isVisit = (h: PreparedHit) => h.message.hit.t !== "e";

/** The D1 mirror already shows this identity charged in the hit's period: no counter call needed. */
export function chargedPerD1(org: OrganizationState, h: PreparedHit): number | null {
  const stored = h.visitor ? org.visitors.get(h.visitor) : undefined;
  const period = org.period;
  if (!stored || !period || stored.chargedPeriod !== period.start) return null;
  return h.at >= period.start && h.at < period.end ? period.start : null;
}

/** Visit hits not counted yet, in order, each once. */
export function freshVisits(org: OrganizationState, hits: PreparedHit[]): PreparedHit[] {
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
    visits: [],
    touched: [],
    texts: [],
    people: [],
    erased: [],
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
  const countedToday = new Set<string>();
  const fresh = new Set<string>();
  const remember = ([key, text]: KeyedText) => {
    if (!org.texts.has(key)) fresh.add(key);
    org.texts.set(key, text);
  };

  for (const h of freshVisits(org, hits)) {
    const { hit } = h.message;
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
    // N3: a person suppressed after the counter charged this hit (an erasure ran meanwhile) keeps the
    // charge, with a receipt that names nobody, and nothing else of them is stored.
    const erasedCharge = h.suppressed && h.visitor !== null && outcomes.get(hit.i)?.reason === "charged";
    const reason: ChargeReason = h.message.bot
      ? "bot"
      : h.excluded
        ? "excluded"
        : erasedCharge
          ? "charged"
          : h.suppressed
            ? "suppressed"
            : !h.identity
              ? "not_identified"
              : (outcome?.reason ?? "suspicious");
    const identified = reason === "charged" || reason === "already_charged_this_period";
    const device = deviceOf(org, h, identified, delta);
    device.seen.push(h.key);
    device.changed = true;
    if (!device.kept) delta.counts.untracked += 1;
    delta.counts.events += 1;
    delta.counts[OUTCOME_COLUMN[reason]] += 1;
    delta.lastHit = Math.max(delta.lastHit, h.at);
    if (h.message.bot) continue;
    if (h.suppressed && h.visitor !== null) {
      if (!plan.erased.includes(h.visitor)) plan.erased.push(h.visitor);
      if (!erasedCharge) continue;
      delta.counts.identifications += 1;
      const periodStart = Math.floor(outcome!.periodStart / 1000);
      plan.charges.push({ at: h.at, eventId: hit.i, visitor: ERASED_VISITOR, type: "person", periodStart });
      continue;
    }

    const facts = pageFacts(hit.u, h.message.hashRouting);
    const referrer = hit.t === "v" && hit.r ? hit.r.slice(0, REFERRER_LENGTH) : null;
    if (device.version === 0 && device.kept && !device.counted) {
      device.counted = true;
      delta.counts.visitors += 1;
    }
    const visitorId = identified ? h.visitor : null;

    let visit = device.visits.at(-1);
    const startsVisit =
      !visit || h.at - device.last > SESSION_GAP_SECONDS || (visitorId !== null && !!visit.v && visit.v !== visitorId);
    if (startsVisit) {
      visit = { s: h.at };
      device.visits.push(visit);
      if (hit.t === "v") addEntry(delta.sources, facts.utm.source ?? hostOf(referrer) ?? "");
      if (!visitorId && h.texts?.origin) {
        visit.o = h.texts.origin[0];
        remember(h.texts.origin);
      }
    }
    const current = visit!;
    device.last = Math.max(device.last, h.at);
    if (hit.t === "v") {
      delta.counts.page_views += 1;
      addEntry(delta.pages, facts.path);
    }

    if (!visitorId || !h.identity || !h.profile) {
      if (hit.t === "v" && !current.v && h.texts) {
        remember(h.texts.path);
        current.p = [...(current.p ?? []), [h.key, h.texts.path[0], h.at, 0, null]].slice(-PENDING_LIMIT) as Visit["p"];
      }
      continue;
    }

    delta.counts.identifications += 1;
    const stored = org.visitors.get(visitorId);
    const ua = parseUserAgent(h.message.userAgent, hit.t === "v" ? hit.w : undefined);
    let visitor = visitors.get(visitorId);
    const seenBefore = visitor ? visitor.lastSeen : (stored?.lastSeen ?? null);
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
      if (h.identity.type === "person" && hit.h) plan.people.push([h.message.partnerId, hit.h]);
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

    // The session: created when the visit first has this visitor, with what it started with (for a
    // B2C visit identified after anonymous page views, found again by its key; unknown when lost).
    const sessionId = `${visitorId}|${current.s}`;
    let session = sessions.get(sessionId);
    if (!session) {
      const source = (current.v ? null : anonymousSource(org, current)) ?? {
        landing: facts.path,
        referrer,
        utm: Object.values(facts.utm),
      };
      session = { visitor: visitorId, start: current.s, lastSeen: h.at, pageViews: 0, source, deviceType: ua.type };
      sessions.set(sessionId, session);
      if (!current.v) {
        visitor.sessions += 1;
        visitor.source ??= source;
        plan.visits.push({ visitor: visitorId, session: current.s, at: h.at, eventId: hit.i, seenBefore });
      }
    }
    session.lastSeen = Math.max(session.lastSeen, h.at);
    if (!current.v) {
      current.v = visitorId;
      // B2C: the visit's anonymous page views belong to the person who just identified.
      for (const [key, pathKey, at, seconds, depth] of current.p ?? []) {
        const path = org.texts.get(pathKey) ?? null;
        addPageView(plan, org, delta, { visitor, session, visit: current }, { key, path, at, seconds, depth });
      }
      delete current.p;
      delete current.o;
    }
    if (hit.t === "v") {
      const page = { key: h.key, path: facts.path, at: h.at, seconds: 0, depth: null };
      addPageView(plan, org, delta, { visitor, session, visit: current }, page);
    }

    if (reason === "charged") {
      // Only with its receipt: a charge whose answer was lost is asked again when its hit is redelivered.
      visitor.chargedPeriod = Math.max(visitor.chargedPeriod ?? 0, Math.floor(outcome!.periodStart / 1000));
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

  const engagements = planEngagements(org, hits, plan, rollup);

  plan.devices = [...org.devices.values()].filter((d) => d.changed && d.kept);
  for (const device of plan.devices) {
    const keys = device.visits.flatMap((v) => [...(v.o ? [v.o] : []), ...(v.p ?? []).map((p) => p[1])]);
    for (const key of keys) {
      if (fresh.delete(key)) plan.texts.push([device.day, key, org.texts.get(key)!]);
    }
  }
  plan.rollups = [...rollups.values()];
  plan.visitors = [...visitors.values()];
  plan.sessions = [...sessions.values()];
  plan.engagements = engagements;
  return plan;
}
