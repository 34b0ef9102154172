import { isoSeconds } from "../lib/time";
import type { LedgerEntry } from "./ledger";

/** Entries per INSERT statement: they travel as one JSON parameter, well inside D1's limits. */
const ENTRIES_PER_STATEMENT = 200;

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
 * (one transaction). `INSERT OR IGNORE` on the entry id makes a repeated flush a no-op.
 */
export function mirrorStatements(
  db: D1Database,
  entries: LedgerEntry[],
  snapshot: PeriodSnapshot,
): D1PreparedStatement[] {
  const insert = db.prepare(
    `INSERT OR IGNORE INTO ledger_entries (id, organization_id, seq, kind, credits, allocation, balance_after,
       period_start, period_end, event_id, identity_key, note, details, created_at)
     SELECT e ->> '$.id', e ->> '$.organizationId', e ->> '$.seq', e ->> '$.kind', e ->> '$.credits',
       e ->> '$.allocation', e ->> '$.balanceAfter', e ->> '$.periodStart', e ->> '$.periodEnd', e ->> '$.eventId',
       e ->> '$.identity', e ->> '$.note', e ->> '$.details', e ->> '$.createdAt'
     FROM (SELECT value AS e FROM json_each(?))`,
  );
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < entries.length; i += ENTRIES_PER_STATEMENT) {
    const chunk = entries
      .slice(i, i + ENTRIES_PER_STATEMENT)
      .map((e) => ({ ...e, details: e.details === null ? null : JSON.stringify(e.details) }));
    statements.push(insert.bind(JSON.stringify(chunk)));
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
