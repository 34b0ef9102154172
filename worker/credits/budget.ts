import { hasPool, type BillingMode } from "../../shared/billing";
import { scheduledPeriodAt, type Schedule } from "../billing/period";
import type { LeaseAsk, LeaseReport, LeaseWindow } from "./types";

/** Budget windows (and their grants) are forgotten this long after they ended. */
const KEEP_WINDOWS_MS = 90 * 24 * 3600_000;

/** What the budget follows of the partner's settings. */
interface BudgetSettings {
  billingMode: BillingMode;
  total: number;
  active: boolean;
  schedule: Schedule;
}

type WindowRow = { start: number; end: number; leased: number; short: number };

/**
 * A partner's budget: in each partner billing period (a window), its organizations together may
 * consume at most the pool total. Counters lease credits of the window in small blocks before
 * charging, give back what they did not use and report what they used (credits/leases.ts);
 * `windows` holds what is leased out, `grants` each organization's cumulative share. Call inside
 * the pool's transaction.
 */
export class Budget {
  constructor(
    private readonly sql: SqlStorage,
    private readonly settings: () => BudgetSettings,
  ) {}

  /**
   * Grants credits of the partner's budget to a counter, after taking its `reports` (as `settle`
   * does): the asks are summed per window (the
   * partner period of each ask's moment), and `headroom` is added once, to the window of the latest
   * ask, unless that window already ran short. Answers per window the cumulative grant (so a counter
   * that lost an earlier answer gets it back) and whether the window is `spent`: nothing left and
   * nothing leased out that other counters may still give back, so a refusal is final. Nothing is
   * granted while the partner is suspended, for good. Lateness is the counter's to judge: it refuses
   * hits of its own closed periods.
   */
  lease(organizationId: string, asks: LeaseAsk[], headroom: number, reports: LeaseReport[]): LeaseWindow[] {
    this.settle(organizationId, reports);
    const settings = this.settings();
    const now = Date.now();
    const wanted = new Map<number, { start: number; end: number; credits: number; latest: number }>();
    for (const ask of asks) {
      const window = scheduledPeriodAt(settings.schedule, ask.at);
      const entry = wanted.get(window.start) ?? { ...window, credits: 0, latest: ask.at };
      entry.credits += ask.credits;
      entry.latest = Math.max(entry.latest, ask.at);
      wanted.set(window.start, entry);
    }
    const latest = Math.max(...[...wanted.values()].map((w) => w.latest));
    return [...wanted.values()].map((w) => {
      const window = this.window(w, now);
      this.sql.exec(
        "INSERT OR IGNORE INTO grants (organization_id, start, granted, returned) VALUES (?, ?, 0, 0)",
        organizationId,
        w.start,
      );
      const left = hasPool(settings.billingMode) ? Math.max(0, settings.total - window.leased) : Infinity;
      const spare = w.latest === latest && window.short === 0 ? headroom : 0;
      const need = settings.active ? Math.min(w.credits, left) : 0;
      const grant = settings.active ? Math.min(w.credits + spare, left) : 0;
      if (settings.active && need < w.credits) this.sql.exec("UPDATE windows SET short = 1 WHERE start = ?", w.start);
      this.sql.exec("UPDATE windows SET leased = leased + ? WHERE start = ?", grant, w.start);
      const { granted } = this.sql
        .exec<{ granted: number }>(
          "UPDATE grants SET granted = granted + ? WHERE organization_id = ? AND start = ? RETURNING granted",
          grant,
          organizationId,
          w.start,
        )
        .one();
      const spent =
        !settings.active || (left - grant === 0 && this.outstandingElsewhere(organizationId, w.start) === 0);
      return { start: w.start, end: w.end, granted, spent };
    });
  }

  /**
   * Takes a counter's report per window: `returned` (credits given back) and `used` (credits it
   * charged), both cumulative, so a repeated or late report changes nothing. Answers the
   * organization's grant in each reported window and in every other window where the pool counts
   * more out with it than it reported used or returned: a grant whose answer the counter lost,
   * which it then gives back.
   */
  settle(organizationId: string, reports: LeaseReport[]): LeaseWindow[] {
    for (const r of reports) {
      const row = this.sql
        .exec<{ returned: number }>(
          "SELECT returned FROM grants WHERE organization_id = ? AND start = ?",
          organizationId,
          r.start,
        )
        .toArray()[0];
      if (!row) continue;
      this.sql.exec(
        "UPDATE grants SET returned = max(returned, ?), used = max(used, ?) WHERE organization_id = ? AND start = ?",
        r.returned,
        r.used,
        organizationId,
        r.start,
      );
      if (r.returned > row.returned)
        this.sql.exec("UPDATE windows SET leased = leased - ? WHERE start = ?", r.returned - row.returned, r.start);
    }
    const reported = new Set(reports.map((r) => r.start));
    return this.sql
      .exec<{ start: number; end: number; granted: number; returned: number; used: number }>(
        `SELECT g.start, w.end, g.granted, g.returned, g.used FROM grants g JOIN windows w ON w.start = g.start
         WHERE g.organization_id = ?`,
        organizationId,
      )
      .toArray()
      .filter((g) => reported.has(g.start) || g.granted > g.returned + g.used)
      .map((g) => ({ start: g.start, end: g.end, granted: g.granted, spent: false }));
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

  /** The window's row, created (and old windows forgotten) on its first ask. */
  private window(w: { start: number; end: number }, now: number): WindowRow {
    const found = this.sql.exec<WindowRow>("SELECT * FROM windows WHERE start = ?", w.start).toArray()[0];
    if (found) return found;
    this.forgetOldWindows(now);
    this.sql.exec("INSERT INTO windows (start, end, leased) VALUES (?, ?, 0)", w.start, w.end);
    return { start: w.start, end: w.end, leased: 0, short: 0 };
  }

  /**
   * Credits other organizations' counters hold of the window beyond what they reported used: they
   * may still come back (headroom given back about a second after a charge), or be spent.
   */
  private outstandingElsewhere(organizationId: string, start: number): number {
    return this.sql
      .exec<{ n: number }>(
        `SELECT coalesce(sum(max(0, granted - returned - used)), 0) AS n FROM grants
         WHERE start = ? AND organization_id <> ?`,
        start,
        organizationId,
      )
      .one().n;
  }

  /** Once per new window: windows that ended long ago, and their grants, are forgotten. */
  private forgetOldWindows(now: number): void {
    const cut = now - KEEP_WINDOWS_MS;
    this.sql.exec("DELETE FROM grants WHERE start IN (SELECT start FROM windows WHERE end < ?)", cut);
    this.sql.exec("DELETE FROM windows WHERE end < ?", cut);
  }
}
