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
  // Refunds also count in the day's usage rollup, once: only entries D1 does not hold yet, counted
  // in the same transaction as (and before) their insert.
  const countRefunds = db.prepare(
    `INSERT INTO usage_daily (organization_id, day, refunds)
     SELECT e ->> '$.organizationId', substr(e ->> '$.createdAt', 1, 10), count(*)
     FROM (SELECT value AS e FROM json_each(?))
     WHERE e ->> '$.kind' = 'refund' AND NOT EXISTS (SELECT 1 FROM ledger_entries WHERE id = e ->> '$.id')
     GROUP BY 1, 2
     ON CONFLICT (organization_id, day) DO UPDATE SET refunds = refunds + excluded.refunds`,
  );
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < entries.length; i += ENTRIES_PER_STATEMENT) {
    const chunk = entries
      .slice(i, i + ENTRIES_PER_STATEMENT)
      .map((e) => ({ ...e, details: e.details === null ? null : JSON.stringify(e.details) }));
    const json = JSON.stringify(chunk);
    if (chunk.some((e) => e.kind === "refund")) statements.push(countRefunds.bind(json));
    statements.push(insert.bind(json));
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
