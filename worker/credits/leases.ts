import type { LeaseWindow } from "./types";

/** Credits drawn beyond what a batch needs, so a busy organization asks its pool about once per flush, not per batch. */
const LEASE_HEADROOM = 10;
/** Lease rows are kept this long after their window ended (a late hit may still draw on them). */
const KEEP_AFTER_END_MS = 24 * 3600_000;

/** The partner pool as a counter calls it (credits/pool.ts). */
export interface PoolLeases {
  lease(organizationId: string, asks: { at: number; credits: number }[]): Promise<LeaseWindow[]>;
  settle(organizationId: string, returns: { start: number; returned: number }[]): Promise<void>;
}

type LeaseRow = {
  start: number;
  end: number;
  granted: number;
  used: number;
  returned: number;
  acknowledged: number;
};

/**
 * An organization's leases on its partner's budget. A charge needs a credit of the organization's
 * own period and one of the partner's budget for the window (partner period) of the hit; the
 * budget's credits come in small leases, so a charge calls the pool only when its lease is used up.
 * Unused leases go back to the pool on the counter's next alarm (about a second after the charges).
 *
 * Grants and returns are cumulative figures per window, so a lost answer is repaired by the next
 * call and nothing is counted twice.
 */
export class Leases {
  constructor(
    private readonly sql: SqlStorage,
    private readonly pool: () => PoolLeases,
  ) {}

  /**
   * Makes sure a lease covers each of `ats` (one per credit the batch may spend), asking the pool
   * for what is missing. Awaits the pool: call it inside the counter's `Serial`, outside any transaction.
   */
  async draw(organizationId: string, ats: number[]): Promise<void> {
    const needs = new Map<number, { at: number; credits: number; balance: number }>();
    for (const at of ats) {
      const row = this.covering(at);
      // Hits no lease covers yet are keyed by their own time; the pool finds their window.
      const key = row ? row.start : -at;
      const need = needs.get(key) ?? { at, credits: 0, balance: row ? balanceOf(row) : 0 };
      need.credits += 1;
      needs.set(key, need);
    }
    const asks = [...needs.values()]
      .filter((n) => n.credits > n.balance)
      .map((n) => ({ at: n.at, credits: n.credits - n.balance + LEASE_HEADROOM }));
    if (asks.length === 0) return;
    for (const window of await this.pool().lease(organizationId, asks)) {
      this.sql.exec(
        `INSERT INTO leases (start, end, granted) VALUES (?, ?, ?)
         ON CONFLICT (start) DO UPDATE SET granted = max(granted, excluded.granted)`,
        window.start,
        window.end,
        window.granted,
      );
    }
  }

  /** Spends one leased credit for a hit at `at`; false when no lease covers it. Inside the charge transaction. */
  take(at: number): boolean {
    const row = this.covering(at);
    if (!row || balanceOf(row) <= 0) return false;
    this.sql.exec("UPDATE leases SET used = used + 1 WHERE start = ?", row.start);
    return true;
  }

  /** True when credits are leased and unused (they should go back soon). */
  holding(): boolean {
    return (
      this.sql.exec("SELECT 1 FROM leases WHERE granted > used + returned OR returned > acknowledged LIMIT 1").toArray()
        .length > 0
    );
  }

  /** Gives every unused leased credit back to the pool. Call inside the counter's `Serial`. */
  async giveBack(organizationId: string): Promise<void> {
    this.sql.exec("UPDATE leases SET returned = granted - used WHERE granted > used + returned");
    const owed = this.sql
      .exec<{ start: number; returned: number }>("SELECT start, returned FROM leases WHERE returned > acknowledged")
      .toArray();
    if (owed.length > 0) {
      await this.pool().settle(organizationId, owed);
      for (const r of owed) this.sql.exec("UPDATE leases SET acknowledged = ? WHERE start = ?", r.returned, r.start);
    }
    this.sql.exec(
      "DELETE FROM leases WHERE end < ? AND returned = acknowledged AND granted = used + returned",
      Date.now() - KEEP_AFTER_END_MS,
    );
  }

  private covering(at: number): LeaseRow | undefined {
    return this.sql
      .exec<LeaseRow>("SELECT * FROM leases WHERE start <= ? AND end > ? ORDER BY start DESC LIMIT 1", at, at)
      .toArray()[0];
  }
}

const balanceOf = (row: LeaseRow) => row.granted - row.used - row.returned;
