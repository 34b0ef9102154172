import type { TenantEnv } from "../shards";
import { dropPastDeviceDays } from "./device-days";

/** Organizations swept per cron run, least recently swept first. */
const ORGANIZATIONS_PER_RUN = 50;
/** Visitors, and sessions, removed per organization and run: a run stays small; a backlog takes several. */
const VISITORS_PER_RUN = 200;
const SESSIONS_PER_RUN = 500;
/** Address rows and anonymous texts removed per statement, and statements per run. */
const DEVICE_ROWS_PER_STATEMENT = 10_000;
const DEVICE_STATEMENTS_PER_RUN = 20;
/** Queue messages can be delivered again for this many days (the queue's retention). */
const MESSAGE_DAYS = 4;
const DAY_SECONDS = 86_400;

/**
 * Cron work on the visitor tables; never throws (the other cron work must run).
 * - The retention window: visitors not seen for the partner's `retentionDays` go with their
 *   sessions and page views; visitors still seen lose sessions (and their page views) older than it.
 * - Device rows (their day's table, dropped whole), address rows and anonymous visits' texts of the days
 *   before yesterday (the consumer's dedupe, people rules and B2C stitching only need the last two days).
 * - Remembered queue messages older than the queue's retention.
 */
export async function maintainVisitors(env: TenantEnv, now = Date.now()): Promise<void> {
  try {
    await pruneDeviceDays(env.DB, now);
    await pruneRetention(env, now);
  } catch (error) {
    console.error("visitor maintenance failed", error);
  }
}

export async function pruneDeviceDays(db: D1Database, now = Date.now()): Promise<number> {
  const today = Math.floor(now / 1000 / DAY_SECONDS);
  // Device rows go with their day's table, dropped whole; address rows and texts (B2C, few) one by one.
  const dropped = await dropPastDeviceDays(db, today);
  for (const [table, key] of [
    ["address_days", "day, org, address"],
    ["anonymous_texts", "day, org, key"],
  ]) {
    for (let i = 0; i < DEVICE_STATEMENTS_PER_RUN; i++) {
      const { meta } = await db
        .prepare(
          `DELETE FROM ${table} WHERE (${key}) IN
             (SELECT ${key} FROM ${table} WHERE day < ? LIMIT ${DEVICE_ROWS_PER_STATEMENT})`,
        )
        .bind(today - 1)
        .run();
      if (meta.changes < DEVICE_ROWS_PER_STATEMENT) break;
    }
  }
  await db
    .prepare("DELETE FROM counted_messages WHERE day < ?")
    .bind(today - MESSAGE_DAYS)
    .run();
  return dropped;
}

/** The partners' retention windows, from the catalog. */
async function retentionDaysOf(env: TenantEnv, partnerIds: string[]): Promise<Map<string, number>> {
  const { results } = await env.CATALOG.prepare(
    "SELECT id, retention_days FROM partners WHERE id IN (SELECT value FROM json_each(?))",
  )
    .bind(JSON.stringify(partnerIds))
    .all<{ id: string; retention_days: number }>();
  return new Map(results.map((p) => [p.id, p.retention_days]));
}

/** One run of the retention sweep; returns what it removed. */
export async function pruneRetention(env: TenantEnv, now = Date.now()) {
  const db = env.DB;
  const { results } = await db
    .prepare(
      `SELECT k.key, o.partner_id FROM organization_keys k JOIN organizations o ON o.id = k.organization_id
       ORDER BY k.swept_at LIMIT ?`,
    )
    .bind(ORGANIZATIONS_PER_RUN)
    .all<{ key: number; partner_id: string }>();
  const retentionOf = await retentionDaysOf(env, [...new Set(results.map((r) => r.partner_id))]);
  const removed = { visitors: 0, sessions: 0 };
  for (const { key, partner_id } of results) {
    const retentionDays = retentionOf.get(partner_id);
    const nowSeconds = Math.floor(now / 1000);
    // A partner the catalog does not know (never expected) keeps everything.
    const cutoff = retentionDays === undefined ? 0 : nowSeconds - retentionDays * DAY_SECONDS;
    // Served by visitors_by_recency and sessions_by_start; each subquery reads the same rows in
    // every statement, as nothing it selects is deleted before the last one.
    const oldVisitors = `SELECT seq FROM visitors WHERE org = ?1 AND last_seen < ?2 ORDER BY last_seen LIMIT ${VISITORS_PER_RUN}`;
    const oldSessions = `SELECT visitor, start FROM sessions WHERE org = ?1 AND start < ?2 ORDER BY start LIMIT ${SESSIONS_PER_RUN}`;
    const statements = [
      `DELETE FROM page_views WHERE visitor IN (${oldVisitors})`,
      `DELETE FROM sessions WHERE visitor IN (${oldVisitors})`,
      `DELETE FROM visitor_search WHERE rowid IN (${oldVisitors})`,
      `UPDATE organization_keys SET visitors = max(0, visitors - (SELECT count(*) FROM (${oldVisitors}))) WHERE key = ?1`,
      `DELETE FROM visitors WHERE seq IN (${oldVisitors})`,
      `DELETE FROM page_views WHERE (visitor, session) IN (${oldSessions})`,
      `DELETE FROM sessions WHERE (visitor, start) IN (${oldSessions})`,
    ].map((sql) => db.prepare(sql).bind(key, cutoff));
    const done = await db.batch(statements);
    const visitors = done[4]!.meta.changes;
    const sessions = done[6]!.meta.changes;
    removed.visitors += visitors;
    removed.sessions += sessions;
    // An organization with more to remove stays first in line for the next run.
    if (visitors < VISITORS_PER_RUN && sessions < SESSIONS_PER_RUN) {
      await db.prepare("UPDATE organization_keys SET swept_at = ? WHERE key = ?").bind(nowSeconds, key).run();
    }
  }
  return removed;
}
