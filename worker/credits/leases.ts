import type { LeaseAsk, LeaseReport, LeaseWindow } from "./types";

/** Credits drawn beyond what a batch needs, so a busy organization asks its pool about once per flush, not per batch. */
const LEASE_HEADROOM = 10;
/** Lease rows are kept this long after their window ended (a late hit may still draw on them). */
const KEEP_AFTER_END_MS = 24 * 3600_000;
/** Set in the counter's `meta` when a lease call failed: the pool may have granted what the counter never recorded. */
const UNSURE = "leases_unsure";

/** The partner pool as a counter calls it (credits/pool.ts, credits/budget.ts). */
export interface PoolLeases {
  lease(organizationId: string, asks: LeaseAsk[], headroom: number, reports: LeaseReport[]): Promise<LeaseWindow[]>;
  settle(organizationId: string, reports: LeaseReport[]): Promise<LeaseWindow[]>;
}

type LeaseRow = {
  start: number;
  end: number;
  granted: number;
  used: number;
  returned: number;
  acknowledged: number;
  reported: number;
};

/**
 * An organization's leases on its partner's budget. A charge needs a credit of the organization's
 * own period and one of the partner's budget for the window (partner period) of the hit; the
 * budget's credits come in small leases, so a charge calls the pool only when its lease is used up.
 * On the counter's next alarm (about a second after the charges) unused leases go back to the pool
 * and what was used is reported, so the pool knows when a window is really spent.
 *
 * Grants, returns and uses are cumulative figures per window, so a lost answer is repaired by the
 * next call and nothing is counted twice; a lease call that failed is settled by the next alarm,
 * which learns from the pool any grant whose answer was lost and gives it back.
 */
export class Leases {
  constructor(
    private readonly sql: SqlStorage,
    private readonly pool: () => PoolLeases,
  ) {}

  /**
   * Makes sure a lease covers each of `ats` (one per credit the batch may spend), asking the pool for
   * what is missing: one ask per window, plus headroom once, at most `spare` (what the organization's
   * own period can spend beyond the batch). Returns and uses the pool has not confirmed go with the
   * ask, so the pool never counts out what this counter gave back. Returns the windows the pool
   * reported spent: a hit they cannot cover is refused for good. Awaits the pool: call it inside the
   * counter's `Serial`, outside any transaction.
   */
  async draw(organizationId: string, ats: number[], spare: number): Promise<Set<number>> {
    const asks: LeaseAsk[] = [];
    const covered = new Map<number, { at: number; credits: number; balance: number }>();
    for (const at of ats) {
      const row = this.covering(at);
      // Hits no lease covers yet go to the pool one by one: it sums them per window.
      if (!row) asks.push({ at, credits: 1 });
      else {
        const need = covered.get(row.start) ?? { at, credits: 0, balance: balanceOf(row) };
        need.credits += 1;
        need.at = Math.max(need.at, at);
        covered.set(row.start, need);
      }
    }
    for (const need of covered.values()) {
      if (need.credits > need.balance) asks.push({ at: need.at, credits: need.credits - need.balance });
    }
    if (asks.length === 0) return new Set();
    const reports = this.unconfirmed(null);
    let windows: LeaseWindow[];
    try {
      const headroom = Math.max(0, Math.min(LEASE_HEADROOM, spare));
      windows = await this.pool().lease(organizationId, asks, headroom, reports);
    } catch (error) {
      this.sql.exec(`INSERT INTO meta (key, value) VALUES ('${UNSURE}', 1) ON CONFLICT (key) DO UPDATE SET value = 1`);
      throw error;
    }
    this.confirm(reports);
    this.record(windows);
    return new Set(windows.filter((w) => w.spent).map((w) => w.start));
  }

  /** Spends one leased credit for a hit at `at`; false when no lease covers it. Inside the charge transaction. */
  take(at: number): boolean {
    const row = this.covering(at);
    if (!row || balanceOf(row) <= 0) return false;
    this.sql.exec("UPDATE leases SET used = used + 1 WHERE start = ?", row.start);
    return true;
  }

  /** True when the window of `at` is one of `spent` (from `draw`). */
  spentAt(at: number, spent: Set<number>): boolean {
    const row = this.covering(at);
    return row !== undefined && spent.has(row.start);
  }

  /**
   * True when the pool should hear from this counter: credits leased and unused, a return or a use
   * it has not confirmed, a lease call that failed, or a window that ended a day ago (reconciled
   * once more, then forgotten).
   */
  due(now: number): boolean {
    return (
      this.sql
        .exec(
          `SELECT 1 FROM leases WHERE granted > used + returned OR returned > acknowledged OR used > reported OR end < ?
           UNION ALL SELECT 1 FROM meta WHERE key = '${UNSURE}' LIMIT 1`,
          now - KEEP_AFTER_END_MS,
        )
        .toArray().length > 0
    );
  }

  /**
   * Gives every unused leased credit back to the pool and reports what was used. The pool answers
   * its own grants: one the counter never recorded (a lost answer) is taken and given back in a
   * second round. Windows that ended a day ago and agree with the pool are forgotten. Call inside
   * the counter's `Serial`.
   */
  async giveBack(organizationId: string): Promise<void> {
    const cut = Date.now() - KEEP_AFTER_END_MS;
    for (let round = 0; round < 2; round++) {
      this.sql.exec("UPDATE leases SET returned = granted - used WHERE granted > used + returned");
      const reports = this.unconfirmed(cut);
      const unsure = this.sql.exec(`SELECT 1 FROM meta WHERE key = '${UNSURE}'`).toArray().length > 0;
      if (reports.length === 0 && !unsure) return;
      const windows = await this.pool().settle(organizationId, reports);
      this.confirm(reports);
      this.sql.exec(`DELETE FROM meta WHERE key = '${UNSURE}'`);
      const lost = this.record(windows);
      this.sql.exec(
        `DELETE FROM leases WHERE end < ? AND granted = used + returned AND returned = acknowledged
           AND used = reported`,
        cut,
      );
      if (!lost) return;
    }
  }

  /** Windows whose return or use the pool has not confirmed, and (with `cut`) those that ended before it. */
  private unconfirmed(cut: number | null): LeaseReport[] {
    return this.sql
      .exec<{ start: number; returned: number; used: number }>(
        "SELECT start, returned, used FROM leases WHERE returned > acknowledged OR used > reported OR end < ?",
        cut ?? Number.MIN_SAFE_INTEGER,
      )
      .toArray();
  }

  /** The pool took these reports. */
  private confirm(reports: LeaseReport[]): void {
    for (const r of reports) {
      this.sql.exec(
        "UPDATE leases SET acknowledged = max(acknowledged, ?), reported = max(reported, ?) WHERE start = ?",
        r.returned,
        r.used,
        r.start,
      );
    }
  }

  /** Takes the pool's cumulative grants; true when one was higher than recorded (an answer was lost). */
  private record(windows: LeaseWindow[]): boolean {
    let lost = false;
    for (const window of windows) {
      const known = this.sql
        .exec<{ granted: number }>("SELECT granted FROM leases WHERE start = ?", window.start)
        .toArray()[0];
      if (known !== undefined && known.granted >= window.granted) continue;
      lost ||= known !== undefined || window.granted > 0;
      this.sql.exec(
        `INSERT INTO leases (start, end, granted) VALUES (?, ?, ?)
         ON CONFLICT (start) DO UPDATE SET granted = max(granted, excluded.granted)`,
        window.start,
        window.end,
        window.granted,
      );
    }
    return lost;
  }

  private covering(at: number): LeaseRow | undefined {
    return this.sql
      .exec<LeaseRow>("SELECT * FROM leases WHERE start <= ? AND end > ? ORDER BY start DESC LIMIT 1", at, at)
      .toArray()[0];
  }
}

const balanceOf = (row: LeaseRow) => row.granted - row.used - row.returned;
