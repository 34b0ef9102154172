import type { ChargeReason } from "../../shared/billing";
import type { ChargeOutcome } from "../credits/counter";
import type { Identity } from "../identify";
import { sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";
import { isoSeconds } from "../lib/time";
import { parseDevice } from "./device";
import type { AcceptedHit } from "./message";
import { pageFacts } from "./page";
import { usageRollup, writeIdOf } from "../billing/usage-rollup";

/** A session ends after 30 minutes without a hit (docs/partner-api.md#credits). */
const SESSION_GAP_MS = 30 * 60_000;
/** Hits written per D1 batch (each batch is one transaction); keeps well inside D1's limits. */
const HITS_PER_BATCH = 25;

export interface ChargedHit extends AcceptedHit {
  identity: Identity | null;
  outcome: ChargeOutcome | null;
  /** The organization excludes this visitor: not identified, not charged. */
  excluded?: boolean;
}

interface SessionState {
  id: string;
  lastSeen: number;
  visitorKey: string | null;
  isNew: boolean;
}

/** Visitor rows are addressed by (organization, identity) so concurrent consumers agree on them. */
const VISITOR_ID = "(SELECT id FROM visitors WHERE organization_id = ? AND identity_key = ?)";
/** 1 if this attempt's page view insert won (see page_views.write_id), else 0. */
const WON = "(SELECT count(*) FROM page_views WHERE event_id = ? AND write_id = ?)";

/**
 * Stores visits and receipts for charged hits, idempotently. Returns the event ids of
 * engagement hits whose page view is not stored yet (the caller retries them later).
 */
export async function storeHits(db: D1Database, hits: ChargedHit[]): Promise<Set<string>> {
  const devices = await deviceKeys(hits);
  const sessions = await loadSessions(db, hits, devices);
  const waiting = await engagementsWithoutPageView(db, hits);
  const perHit: D1PreparedStatement[][] = [];
  const attempts: ChargedHit[][] = []; // per entry of perHit: the receipts it writes, for the usage rollup
  for (const h of hits) {
    if (h.hit.t === "e") {
      if (!waiting.has(h.hit.i)) {
        perHit.push(engagementStatements(db, h));
        attempts.push([]);
      }
      continue;
    }
    const device = devices.get(h.hit.i)!;
    perHit.push(visitStatements(db, h, device, sessionFor(sessions, h, device)));
    attempts.push([h]);
  }
  for (let i = 0; i < perHit.length; i += HITS_PER_BATCH) {
    const statements = [
      ...perHit.slice(i, i + HITS_PER_BATCH).flat(),
      ...usageRollup(db, attempts.slice(i, i + HITS_PER_BATCH).flat()),
    ];
    if (statements.length > 0) await db.batch(statements);
  }
  return waiting;
}

/** Why this hit was or was not charged. */
export function reasonOf(h: ChargedHit): ChargeReason {
  if (h.bot) return "bot";
  if (h.excluded) return "excluded";
  return h.outcome?.reason ?? "not_identified";
}

function isVisitor(h: ChargedHit): boolean {
  const reason = reasonOf(h);
  return h.identity !== null && (reason === "charged" || reason === "already_charged_this_period");
}

function visitStatements(db: D1Database, h: ChargedHit, device: string, session: SessionState): D1PreparedStatement[] {
  const { hit } = h;
  const at = isoSeconds(h.receivedAt);
  const facts = pageFacts(hit.u, h.hashRouting);
  const statements: D1PreparedStatement[] = [];
  const visitorKey = isVisitor(h) ? h.identity!.key : null;
  const visitorRef = visitorKey ? [h.organizationId, visitorKey] : null;
  const referrer = hit.t === "v" ? (hit.r ?? null) : null;

  if (visitorKey) {
    const newVisitorId = newId("vis");
    statements.push(
      upsertVisitor(db, h, newVisitorId, at, facts, referrer),
      // Counted only when this attempt created the visitor: the row then carries the id it proposed.
      db
        .prepare(
          `INSERT INTO organization_stats (organization_id, visitors) SELECT ?, 1 WHERE EXISTS (SELECT 1 FROM visitors WHERE id = ?)
           ON CONFLICT (organization_id) DO UPDATE SET visitors = visitors + 1`,
        )
        .bind(h.organizationId, newVisitorId),
    );
  }

  const linksVisitor = visitorKey !== null && session.visitorKey !== visitorKey;
  if (session.isNew) {
    session.isNew = false;
    statements.push(
      db
        .prepare(
          `INSERT INTO sessions (id, organization_id, device_key, visitor_id, started_at, last_seen_at, landing_page,
             referrer, utm_source, utm_medium, utm_campaign, utm_term, utm_content, is_bot)
           VALUES (?, ?, ?, ${visitorRef ? VISITOR_ID : "NULL"}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .bind(
          session.id,
          h.organizationId,
          device,
          ...(visitorRef ?? []),
          at,
          at,
          facts.path,
          referrer,
          facts.utm.source,
          facts.utm.medium,
          facts.utm.campaign,
          facts.utm.term,
          facts.utm.content,
          h.bot ? 1 : 0,
        ),
    );
  } else {
    statements.push(
      db
        .prepare(
          `UPDATE sessions SET last_seen_at = max(last_seen_at, ?)${visitorRef ? `, visitor_id = ${VISITOR_ID}` : ""}
           WHERE id = ?`,
        )
        .bind(at, ...(visitorRef ?? []), session.id),
    );
  }
  if (visitorKey) session.visitorKey = visitorKey;

  const writeId = writeIdOf(h);
  if (hit.t === "v") {
    statements.push(
      db
        .prepare(
          `INSERT OR IGNORE INTO page_views (event_id, organization_id, session_id, visitor_id, url, path, referrer,
             occurred_at, is_bot, write_id)
           VALUES (?, ?, ?, ${visitorRef ? VISITOR_ID : "NULL"}, ?, ?, ?, ?, ?, ?)`,
        )
        .bind(
          hit.i,
          h.organizationId,
          session.id,
          ...(visitorRef ?? []),
          hit.u,
          facts.path,
          referrer,
          at,
          h.bot ? 1 : 0,
          writeId,
        ),
      db.prepare(`UPDATE sessions SET page_views = page_views + ${WON} WHERE id = ?`).bind(hit.i, writeId, session.id),
    );
    if (visitorRef) {
      statements.push(
        db
          .prepare(
            `UPDATE visitors SET page_views = page_views + ${WON}, sessions = sessions + ${WON} * ?
             WHERE organization_id = ? AND identity_key = ?`,
          )
          .bind(hit.i, writeId, hit.i, writeId, linksVisitor ? 1 : 0, ...visitorRef),
        db
          .prepare(
            `INSERT INTO visitor_pages (visitor_id, path, views) SELECT ${VISITOR_ID}, ?, 1 WHERE ${WON} = 1
             ON CONFLICT (visitor_id, path) DO UPDATE SET views = views + 1`,
          )
          .bind(...visitorRef, facts.path, hit.i, writeId),
      );
    }
  } else if (visitorRef && linksVisitor) {
    // identify() on a page: the session now belongs to this person.
    statements.push(
      db
        .prepare("UPDATE visitors SET sessions = sessions + 1 WHERE organization_id = ? AND identity_key = ?")
        .bind(...visitorRef),
    );
  }

  const outcome = h.outcome;
  statements.push(
    db
      .prepare(
        `INSERT OR IGNORE INTO identifications (event_id, organization_id, identity_key, visitor_id, reason, credits,
           period_start, created_at, write_id)
         VALUES (?, ?, ?, ${visitorRef ? VISITOR_ID : "NULL"}, ?, ?, ?, ?, ?)`,
      )
      .bind(
        hit.i,
        h.organizationId,
        h.identity?.key ?? null,
        ...(visitorRef ?? []),
        reasonOf(h),
        reasonOf(h) === "charged" ? 1 : 0,
        outcome ? isoSeconds(outcome.periodStart) : null,
        at,
        writeId,
      ),
  );
  return statements;
}

function upsertVisitor(
  db: D1Database,
  h: ChargedHit,
  id: string,
  at: string,
  facts: ReturnType<typeof pageFacts>,
  referrer: string | null,
): D1PreparedStatement {
  const identity = h.identity!;
  const device = parseDevice(h.userAgent, h.hit.t === "v" ? h.hit.w : undefined);
  // First touch wins for landing page and source; last touch for last page, device and location.
  return db
    .prepare(
      `INSERT INTO visitors (id, organization_id, identity_key, type, company_id, person_sha256, first_seen_at,
         last_seen_at, landing_page, last_page, referrer, utm_source, utm_medium, utm_campaign, utm_term, utm_content,
         device_type, browser, os, country, region, city)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (organization_id, identity_key) DO UPDATE SET
         last_seen_at = max(last_seen_at, excluded.last_seen_at),
         last_page = CASE WHEN excluded.last_seen_at >= last_seen_at THEN excluded.last_page ELSE last_page END,
         device_type = excluded.device_type, browser = excluded.browser, os = excluded.os,
         country = coalesce(excluded.country, country), region = coalesce(excluded.region, region),
         city = coalesce(excluded.city, city)`,
    )
    .bind(
      id,
      h.organizationId,
      identity.key,
      identity.type,
      identity.companyId,
      identity.personSha256,
      at,
      at,
      facts.path,
      facts.path,
      referrer,
      facts.utm.source,
      facts.utm.medium,
      facts.utm.campaign,
      facts.utm.term,
      facts.utm.content,
      device.type,
      device.browser,
      device.os,
      h.country,
      h.region,
      h.city,
    );
}

/** Engagement is cumulative per page view: keep the maximum, and move visitor totals by the difference. */
function engagementStatements(db: D1Database, h: ChargedHit): D1PreparedStatement[] {
  if (h.hit.t !== "e") return [];
  const { p, s, d } = h.hit;
  return [
    db
      .prepare(
        `UPDATE visitors SET
           total_time_seconds = total_time_seconds + max(0, ? - pv.engaged_seconds),
           scroll_depth_sum = scroll_depth_sum + max(0, ? - pv.scroll_depth),
           scroll_depth_samples = scroll_depth_samples + 1 - pv.engagement_received
         FROM (SELECT visitor_id, engaged_seconds, scroll_depth, engagement_received FROM page_views WHERE event_id = ?) AS pv
         WHERE visitors.id = pv.visitor_id`,
      )
      .bind(s, d, p),
    db
      .prepare(
        `UPDATE page_views SET engaged_seconds = max(engaged_seconds, ?), scroll_depth = max(scroll_depth, ?),
           engagement_received = 1 WHERE event_id = ?`,
      )
      .bind(s, d, p),
  ];
}

async function engagementsWithoutPageView(db: D1Database, hits: ChargedHit[]): Promise<Set<string>> {
  const engagements = hits.filter((h) => h.hit.t === "e");
  if (engagements.length === 0) return new Set();
  const inBatch = new Set(hits.filter((h) => h.hit.t === "v").map((h) => h.hit.i));
  const refs = engagements.map((h) => (h.hit.t === "e" ? h.hit.p : ""));
  const { results } = await db
    .prepare("SELECT event_id FROM page_views WHERE event_id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(refs))
    .all<{ event_id: string }>();
  const stored = new Set(results.map((r) => r.event_id));
  return new Set(
    engagements.filter((h) => h.hit.t === "e" && !stored.has(h.hit.p) && !inBatch.has(h.hit.p)).map((h) => h.hit.i),
  );
}

/**
 * A device, by event id: a daily hash of organization, address and user agent. No cookie and
 * nothing stored on the visitor's device; the hash changes every UTC day.
 */
async function deviceKeys(hits: ChargedHit[]): Promise<Map<string, string>> {
  const entries = await Promise.all(
    hits.map(async (h) => {
      const day = new Date(h.receivedAt).toISOString().slice(0, 10);
      const hash = await sha256Hex(`${h.organizationId}|${h.ip ?? ""}|${h.userAgent ?? ""}|${day}`);
      return [h.hit.i, hash.slice(0, 32)] as const;
    }),
  );
  return new Map(entries);
}

async function loadSessions(
  db: D1Database,
  hits: ChargedHit[],
  devices: Map<string, string>,
): Promise<Map<string, SessionState>> {
  const keys = [
    ...new Set(hits.filter((h) => h.hit.t !== "e").map((h) => `${h.organizationId}|${devices.get(h.hit.i)}`)),
  ];
  const sessions = new Map<string, SessionState>();
  if (keys.length === 0) return sessions;
  const { results } = await db
    .prepare(
      `SELECT s.organization_id, s.device_key, s.id, s.last_seen_at, v.identity_key
       FROM json_each(?) AS k
       JOIN sessions s ON s.organization_id = substr(k.value, 1, instr(k.value, '|') - 1)
         AND s.device_key = substr(k.value, instr(k.value, '|') + 1)
       LEFT JOIN visitors v ON v.id = s.visitor_id
       WHERE s.last_seen_at = (SELECT max(last_seen_at) FROM sessions WHERE organization_id = s.organization_id
         AND device_key = s.device_key)`,
    )
    .bind(JSON.stringify(keys))
    .all<{
      organization_id: string;
      device_key: string;
      id: string;
      last_seen_at: string;
      identity_key: string | null;
    }>();
  for (const r of results) {
    sessions.set(`${r.organization_id}|${r.device_key}`, {
      id: r.id,
      lastSeen: Date.parse(r.last_seen_at),
      visitorKey: r.identity_key,
      isNew: false,
    });
  }
  return sessions;
}

/** The device's open session, or a new one after a 30-minute gap. */
function sessionFor(sessions: Map<string, SessionState>, h: ChargedHit, device: string): SessionState {
  const key = `${h.organizationId}|${device}`;
  let session = sessions.get(key);
  if (!session || h.receivedAt - session.lastSeen > SESSION_GAP_MS) {
    session = { id: newId("ses"), lastSeen: h.receivedAt, visitorKey: null, isNew: true };
    sessions.set(key, session);
  }
  session.lastSeen = Math.max(session.lastSeen, h.receivedAt);
  return session;
}
