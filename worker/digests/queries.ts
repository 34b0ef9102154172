import type { DigestFrequency, DigestStatus } from "../../shared/digests";

/** Digest settings, recipients and claims in D1 (migrations/tenant/0018_digests.sql): statements and rows. */

export interface SettingsRow {
  organization_id: string;
  hour_utc: number;
  weekday: number;
  daily_due: number | null;
  weekly_due: number | null;
  dashboard_origin: string;
  created_at: string;
  updated_at: string;
}

export interface RecipientRow {
  organization_id: string;
  email: string;
  frequency: DigestFrequency;
  segment_id: string | null;
  position: number;
}

/** One recipient's digest of one period. */
export interface ClaimKey {
  organizationId: string;
  frequency: DigestFrequency;
  /** Unix seconds. */
  periodEnd: number;
  email: string;
}

export interface ClaimRow {
  organization_id: string;
  frequency: DigestFrequency;
  period_end: number;
  email: string;
  period_start: number;
  status: DigestStatus;
  reason: string | null;
  attempts: number;
  lease_until: number | null;
  created_at: string;
  sent_at: string | null;
}

export const keyOf = (row: Pick<ClaimRow, "organization_id" | "frequency" | "period_end" | "email">): ClaimKey => ({
  organizationId: row.organization_id,
  frequency: row.frequency,
  periodEnd: row.period_end,
  email: row.email,
});

const KEY = "organization_id = ? AND frequency = ? AND period_end = ? AND email = ?";
const keyParams = (key: ClaimKey) => [key.organizationId, key.frequency, key.periodEnd, key.email] as const;

/**
 * What the settings of an organization read at once: the schedule, the recipients in order, each
 * one's latest digest, and the addresses that unsubscribed from the organization's digests.
 */
export function settingsStatements(db: D1Database, organizationId: string) {
  return [
    db.prepare("SELECT * FROM digest_settings WHERE organization_id = ?").bind(organizationId),
    db.prepare("SELECT * FROM digest_recipients WHERE organization_id = ? ORDER BY position").bind(organizationId),
    db
      .prepare(
        `SELECT c.* FROM digest_recipients r CROSS JOIN digest_claims c ON c.organization_id = r.organization_id
           AND c.email = r.email AND c.frequency = r.frequency
           AND c.period_end = (SELECT max(period_end) FROM digest_claims WHERE organization_id = r.organization_id
             AND email = r.email AND frequency = r.frequency)
         WHERE r.organization_id = ?`,
      )
      .bind(organizationId),
    db
      .prepare(
        `SELECT email FROM email_unsubscribes WHERE partner_id = (SELECT partner_id FROM organizations WHERE id = ?1)
           AND scope = ?1 AND kind = 'digest'`,
      )
      .bind(organizationId),
  ];
}

/** Writes the schedule and replaces the recipients (rows in order), in the caller's batch. */
export function saveStatements(
  db: D1Database,
  settings: Omit<SettingsRow, "created_at">,
  recipients: Omit<RecipientRow, "organization_id">[],
) {
  const id = settings.organization_id;
  return [
    db
      .prepare(
        `INSERT INTO digest_settings (organization_id, hour_utc, weekday, daily_due, weekly_due, dashboard_origin,
           created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (organization_id) DO UPDATE SET hour_utc = ?2, weekday = ?3, daily_due = ?4, weekly_due = ?5,
           dashboard_origin = ?6, updated_at = ?7`,
      )
      .bind(
        id,
        settings.hour_utc,
        settings.weekday,
        settings.daily_due,
        settings.weekly_due,
        settings.dashboard_origin,
        settings.updated_at,
      ),
    db.prepare("DELETE FROM digest_recipients WHERE organization_id = ?").bind(id),
    db
      .prepare(
        `INSERT INTO digest_recipients (organization_id, email, frequency, segment_id, position)
         SELECT ?2, r.value ->> 0, r.value ->> 1, r.value ->> 2, r.value ->> 3 FROM json_each(?1) r`,
      )
      .bind(JSON.stringify(recipients.map((r) => [r.email, r.frequency, r.segment_id, r.position])), id),
  ];
}

/** A frequency of an organization whose digest is due: its schedule and the due time stored. */
export interface DueRow {
  organization_id: string;
  hour_utc: number;
  weekday: number;
  frequency: DigestFrequency;
  due: number;
}

/** Up to `limit` schedules due by `dueBy`, the longest waiting first. */
export const dueStatement = (db: D1Database, dueBy: number, limit: number) =>
  db
    .prepare(
      `SELECT organization_id, hour_utc, weekday, 'daily' AS frequency, daily_due AS due FROM digest_settings
         WHERE daily_due <= ?1
       UNION ALL
       SELECT organization_id, hour_utc, weekday, 'weekly', weekly_due FROM digest_settings WHERE weekly_due <= ?1
       ORDER BY due LIMIT ?2`,
    )
    .bind(dueBy, limit);

/** A due schedule as it is claimed: the period it closes, the earliest start of that period, and the next due time. */
export interface DueClaim {
  row: DueRow;
  periodEnd: number;
  earliestStart: number;
  nextDue: number;
}

/**
 * Claims the periods and moves the schedules on, in one batch: a claim per recipient of the frequency
 * (of an organization not canceled), only while the schedule still holds the due time that was read
 * (so a second cron run, or one racing this, claims nothing), starting where the recipient's previous
 * digest of that frequency ended, at most one period back. `RETURNING` gives the claims made.
 */
export function claimStatements(db: D1Database, claims: DueClaim[], now: string) {
  const items = JSON.stringify(
    claims.map((c) => [c.row.organization_id, c.row.frequency, c.row.due, c.periodEnd, c.earliestStart, c.nextDue]),
  );
  const due = (frequency: DigestFrequency) =>
    `coalesce((SELECT d.value ->> 5 FROM json_each(?1) d WHERE d.value ->> 0 = organization_id
       AND d.value ->> 1 = '${frequency}' AND d.value ->> 2 = ${frequency}_due), ${frequency}_due)`;
  return [
    db
      .prepare(
        `INSERT OR IGNORE INTO digest_claims (organization_id, frequency, period_end, email, period_start, created_at)
         SELECT r.organization_id, r.frequency, d.value ->> 3, r.email,
           max(d.value ->> 4, coalesce((SELECT max(c.period_end) FROM digest_claims c
             WHERE c.organization_id = r.organization_id AND c.email = r.email AND c.frequency = r.frequency
               AND c.period_end < d.value ->> 3 AND c.status != 'failed'), 0)),
           ?2
         FROM json_each(?1) d
         CROSS JOIN digest_settings s ON s.organization_id = d.value ->> 0
           AND (CASE d.value ->> 1 WHEN 'daily' THEN s.daily_due ELSE s.weekly_due END) = d.value ->> 2
         CROSS JOIN digest_recipients r ON r.organization_id = s.organization_id AND r.frequency = d.value ->> 1
         WHERE EXISTS (SELECT 1 FROM organizations o WHERE o.id = s.organization_id AND o.status != 'canceled')
         RETURNING organization_id, frequency, period_end, email`,
      )
      .bind(items, now),
    db
      .prepare(
        `UPDATE digest_settings SET daily_due = ${due("daily")}, weekly_due = ${due("weekly")}
         WHERE organization_id IN (SELECT d.value ->> 0 FROM json_each(?1) d)`,
      )
      .bind(items),
  ];
}

/** Takes a claim for one job: pending, or sending under a lease that ran out. Null when it is not to be sent now. */
export const leaseStatement = (db: D1Database, key: ClaimKey, nowS: number, leaseS: number) =>
  db
    .prepare(
      `UPDATE digest_claims SET status = 'sending', lease_until = ?, attempts = attempts + 1
       WHERE ${KEY} AND (status = 'pending' OR (status = 'sending' AND lease_until < ?)) RETURNING *`,
    )
    .bind(nowS + leaseS, ...keyParams(key), nowS);

/** Settles a claim (or puts it back to `pending` after a failed attempt). */
export const finishStatement = (
  db: D1Database,
  key: ClaimKey,
  status: DigestStatus,
  reason: string | null,
  at: string,
) =>
  db
    .prepare(
      `UPDATE digest_claims SET status = ?, reason = ?, lease_until = NULL,
         sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END
       WHERE ${KEY}`,
    )
    .bind(status, reason, status, at, ...keyParams(key));

/** The recipient as the organization lists it now: null once removed. */
export const recipientStatement = (db: D1Database, key: ClaimKey) =>
  db
    .prepare("SELECT * FROM digest_recipients WHERE organization_id = ? AND email = ? AND frequency = ?")
    .bind(key.organizationId, key.email, key.frequency);

/** Where a recipient's previous digest of a frequency ended, before `before` (failed ones do not count). */
export const previousEndStatement = (
  db: D1Database,
  organizationId: string,
  email: string,
  frequency: DigestFrequency,
  before: number,
) =>
  db
    .prepare(
      `SELECT max(period_end) AS period_end FROM digest_claims
       WHERE organization_id = ? AND email = ? AND frequency = ? AND period_end < ? AND status != 'failed'`,
    )
    .bind(organizationId, email, frequency, before);

/** Claims a lost job left waiting: created before `stalledBefore`, held by no lease. */
export const stalledStatement = (db: D1Database, stalledBefore: string, nowS: number, limit: number) =>
  db
    .prepare(
      `SELECT organization_id, frequency, period_end, email FROM digest_claims
       WHERE status IN ('pending', 'sending') AND created_at < ? AND (lease_until IS NULL OR lease_until < ?)
       LIMIT ?`,
    )
    .bind(stalledBefore, nowS, limit);

/** Forgets settled claims created before `before`, at most `limit`. */
export const pruneStatement = (db: D1Database, before: string, limit: number) =>
  db
    .prepare(
      `DELETE FROM digest_claims WHERE (organization_id, frequency, period_end, email) IN
         (SELECT organization_id, frequency, period_end, email FROM digest_claims
          WHERE created_at < ? AND status NOT IN ('pending', 'sending') LIMIT ?)`,
    )
    .bind(before, limit);
