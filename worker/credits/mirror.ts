import { organizationKeyStatement } from "../visitors/organization-keys";
import { isoSeconds } from "../lib/time";
import type { LedgerEntry } from "./ledger";

/** Entries per INSERT statement: they travel as one JSON parameter, well inside D1's limits. */
const ENTRIES_PER_STATEMENT = 200;

/** The seq of a receipt's (`charges c`) debit, once mirrored: same organization key, time and event. */
export const DEBIT_SEQ = `(SELECT l.seq FROM ledger_entries l
    WHERE l.org = c.org AND l.created_at = c.at AND l.kind = 'debit' AND l.event_id = c.event_id)`;

/** The organization's open period and balance, as the renewal cron and the usage endpoints read them. */
export interface PeriodSnapshot {
  organizationId: string;
  periodStart: string;
  periodEnd: string;
  allocation: number;
  used: number;
  available: number;
  /** Newest ledger seq reflected: an older flush never overwrites a newer snapshot. */
  lastSeq: number;
}

/**
 * Statements that mirror ledger entries and the period snapshot to D1, for one `batch()`
 * (one transaction). `INSERT OR IGNORE` on (org, seq) makes a repeated flush a no-op. The
 * organization's short key is created here when no hit created it yet.
 */
export function mirrorStatements(
  db: D1Database,
  entries: LedgerEntry[],
  snapshot: PeriodSnapshot,
): D1PreparedStatement[] {
  const org = "(SELECT key FROM organization_keys WHERE organization_id = ?1)";
  const insert = db.prepare(
    `INSERT OR IGNORE INTO ledger_entries (org, seq, kind, credits, allocation, balance_after, period_start, period_end,
       event_id, identity_key, note, details, created_at)
     SELECT ${org}, e ->> 0, e ->> 1, e ->> 2, e ->> 3, e ->> 4, e ->> 5, e ->> 6, e ->> 7, e ->> 8, e ->> 9, e ->> 10,
       e ->> 11
     FROM (SELECT value AS e FROM json_each(?2))`,
  );
  // Refunds also count in the day's usage rollup, once: only entries D1 does not hold yet, counted
  // in the same transaction as (and before) their insert.
  const countRefunds = db.prepare(
    `INSERT INTO usage_daily (organization_id, day, refunds)
     SELECT ?1, date(e ->> 11, 'unixepoch'), count(*)
     FROM (SELECT value AS e FROM json_each(?2))
     WHERE e ->> 1 = 'refund' AND NOT EXISTS (SELECT 1 FROM ledger_entries WHERE org = ${org} AND seq = e ->> 0)
     GROUP BY 1, 2
     ON CONFLICT (organization_id, day) DO UPDATE SET refunds = refunds + excluded.refunds`,
  );
  const statements = [organizationKeyStatement(db, snapshot.organizationId)];
  for (let i = 0; i < entries.length; i += ENTRIES_PER_STATEMENT) {
    const chunk = entries.slice(i, i + ENTRIES_PER_STATEMENT);
    const json = JSON.stringify(chunk.map(entryTuple));
    if (chunk.some((e) => e.kind === "refund")) statements.push(countRefunds.bind(snapshot.organizationId, json));
    statements.push(insert.bind(snapshot.organizationId, json));
  }
  statements.push(
    db
      .prepare(
        `INSERT INTO organization_periods (organization_id, current_period_start, current_period_end, allocation, used,
           available, last_seq, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (organization_id) DO UPDATE SET current_period_start = excluded.current_period_start,
           current_period_end = excluded.current_period_end, allocation = excluded.allocation, used = excluded.used,
           available = excluded.available, last_seq = excluded.last_seq, updated_at = excluded.updated_at
         WHERE excluded.last_seq >= organization_periods.last_seq`,
      )
      .bind(
        snapshot.organizationId,
        snapshot.periodStart,
        snapshot.periodEnd,
        snapshot.allocation,
        snapshot.used,
        snapshot.available,
        snapshot.lastSeq,
        isoSeconds(),
      ),
  );
  return statements;
}

const seconds = (iso: string) => Date.parse(iso) / 1000;

/** An entry as a `ledger_entries` row, in column order after `org`. */
const entryTuple = (e: LedgerEntry) => [
  e.seq,
  e.kind,
  e.credits,
  e.allocation,
  e.balanceAfter,
  seconds(e.periodStart),
  seconds(e.periodEnd),
  e.eventId,
  e.identity,
  e.note,
  e.details === null ? null : JSON.stringify(e.details),
  seconds(e.createdAt),
];
