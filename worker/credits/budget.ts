import { hasPool, type BillingMode } from "../../shared/billing";
import { scheduledPeriodAt, type Schedule } from "../billing/period";
import type { LeaseWindow } from "./types";

/** Budget windows (and their grants) are forgotten this long after they ended. */
const KEEP_WINDOWS_MS = 90 * 24 * 3600_000;

/** What the budget follows of the partner's settings. */
interface BudgetSettings {
  billingMode: BillingMode;
  total: number;
  active: boolean;
  schedule: Schedule;
}

/**
 * A partner's budget: in each partner billing period (a window), its organizations together may
 * consume at most the pool total. Counters lease credits of the window in small blocks before
 * charging and give back what they did not use (credits/leases.ts); `windows` holds what is leased
 * out, `grants` each organization's cumulative share. Call inside the pool's transaction.
 */
export class Budget {
  constructor(
    private readonly sql: SqlStorage,
    private readonly settings: () => BudgetSettings,
  ) {}

  /**
   * Grants credits of the partner's budget to a counter, per window (the partner period of each
   * ask's moment), as far as the window's budget goes. Answers the cumulative grant per window, so
   * a counter that lost an earlier answer gets it back. Nothing is granted while the partner is
   * suspended. Lateness is the counter's to judge: it refuses hits of its own closed periods.
   */
  lease(organizationId: string, asks: { at: number; credits: number }[]): LeaseWindow[] {
    const settings = this.settings();
    const now = Date.now();
    const wanted = new Map<number, { start: number; end: number; credits: number }>();
    for (const ask of asks) {
      const window = scheduledPeriodAt(settings.schedule, ask.at);
      const entry = wanted.get(window.start) ?? { ...window, credits: 0 };
      entry.credits += ask.credits;
      wanted.set(window.start, entry);
    }
    return [...wanted.values()].map((w) => {
      if (this.sql.exec("SELECT 1 FROM windows WHERE start = ?", w.start).toArray().length === 0) {
        this.forgetOldWindows(now);
        this.sql.exec("INSERT INTO windows (start, end, leased) VALUES (?, ?, 0)", w.start, w.end);
      }
      this.sql.exec(
        "INSERT OR IGNORE INTO grants (organization_id, start, granted, returned) VALUES (?, ?, 0, 0)",
        organizationId,
        w.start,
      );
      const leased = this.sql
        .exec<{ leased: number }>("SELECT leased FROM windows WHERE start = ?", w.start)
        .one().leased;
      const left = hasPool(settings.billingMode) ? Math.max(0, settings.total - leased) : w.credits;
      const grant = settings.active ? Math.min(w.credits, left) : 0;
      this.sql.exec("UPDATE windows SET leased = leased + ? WHERE start = ?", grant, w.start);
      const { granted } = this.sql
        .exec<{ granted: number }>(
          "UPDATE grants SET granted = granted + ? WHERE organization_id = ? AND start = ? RETURNING granted",
          grant,
          organizationId,
          w.start,
        )
        .one();
      return { start: w.start, end: w.end, granted };
    });
  }

  /** Takes leased credits back: `returned` is the counter's cumulative figure per window. */
  settle(organizationId: string, returns: { start: number; returned: number }[]): void {
    for (const r of returns) {
      const row = this.sql
        .exec<{ returned: number }>(
          "SELECT returned FROM grants WHERE organization_id = ? AND start = ?",
          organizationId,
          r.start,
        )
        .toArray()[0];
      if (!row || r.returned <= row.returned) continue;
      this.sql.exec(
        "UPDATE grants SET returned = ? WHERE organization_id = ? AND start = ?",
        r.returned,
        organizationId,
        r.start,
      );
      this.sql.exec("UPDATE windows SET leased = leased - ? WHERE start = ?", r.returned - row.returned, r.start);
    }
  }

  /** The partner's budget in the window containing `at`: the total, and what is leased out of it. */
  budget(at: number): { periodStart: number; periodEnd: number; total: number; consumed: number } {
    const settings = this.settings();
    const window = scheduledPeriodAt(settings.schedule, at);
    const leased =
      this.sql.exec<{ leased: number }>("SELECT leased FROM windows WHERE start = ?", window.start).toArray()[0]
        ?.leased ?? 0;
    return { periodStart: window.start, periodEnd: window.end, total: settings.total, consumed: leased };
  }

  /** Once per new window: windows that ended long ago, and their grants, are forgotten. */
  private forgetOldWindows(now: number): void {
    const cut = now - KEEP_WINDOWS_MS;
    this.sql.exec("DELETE FROM grants WHERE start IN (SELECT start FROM windows WHERE end < ?)", cut);
    this.sql.exec("DELETE FROM windows WHERE end < ?", cut);
  }
}
