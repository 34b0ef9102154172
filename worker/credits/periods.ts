import { fitPeriod, pendingChangeAt, scheduledPeriodAt } from "../billing/period";
import { isoSeconds } from "../lib/time";
import { availableOf, balanceOf, ledgerBalanceOf, periodLimit } from "./balance";
import {
  entryId,
  fromCounterRow,
  type LedgerEntry,
  type LedgerKind,
  type CounterRow,
  type PeriodClosed,
} from "./ledger";
import type { Settings } from "./settings";
import type { Balance, PeriodRow } from "./types";

/**
 * A period is closed (unused credits expire) this long after its end, so hits that arrived
 * before the boundary but reach the counter late (queue retries) are still decided in it.
 */
export const CLOSE_GRACE_MS = 10 * 60_000;

/**
 * The counter's billing periods and its ledger. Every movement of a period is recorded as a
 * ledger entry, and each entry is put in the outbox in the same transaction (credits/outbox.ts
 * mirrors it to D1). Call everything inside the counter's transaction.
 */
export class Periods {
  /** Set when entries were recorded since the outbox last asked (`takeRecorded`). */
  private recorded = false;

  constructor(
    private readonly sql: SqlStorage,
    private readonly settings: Settings,
  ) {}

  /** True once after entries were recorded: the outbox needs a flush. */
  takeRecorded(): boolean {
    const recorded = this.recorded;
    this.recorded = false;
    return recorded;
  }

  /** The earliest period not closed yet (the current one unless a close is due). */
  openPeriod(now: number): PeriodRow {
    return (
      this.sql
        .exec<PeriodRow>("SELECT * FROM periods WHERE closed_at IS NULL AND start <= ? ORDER BY start LIMIT 1", now)
        .toArray()[0] ?? this.periodRow(now)
    );
  }

  existingPeriod(at: number): PeriodRow | undefined {
    return this.sql
      .exec<PeriodRow>("SELECT * FROM periods WHERE start <= ? AND end > ? ORDER BY start DESC LIMIT 1", at, at)
      .toArray()[0];
  }

  /**
   * The period containing `at`, opened on first use from the current allocation (no rollover).
   * Boundaries come from the billing schedule (a changed rule takes over at the end of the period
   * that was running, with a transitional period of at least a full length); periods never overlap.
   */
  periodRow(at: number): PeriodRow {
    const existing = this.existingPeriod(at);
    if (existing) return existing;
    const config = this.settings.config();
    const { start, end } = this.newPeriodAt(at);
    const allocation = periodLimit(config) ?? 0;
    this.sql.exec("INSERT INTO periods (start, end, allocation, used) VALUES (?, ?, ?, 0)", start, end, allocation);
    const period: PeriodRow = { start, end, allocation, used: 0, adjusted: 0, expired: 0, closed_at: null };
    this.record("period_opened", allocation, period, Math.max(at, start));
    return period;
  }

  /** The bounds a period containing `at` gets when it is opened (none contains it yet). */
  newPeriodAt(at: number): { start: number; end: number } {
    const previousEnd = this.sql
      .exec<{ v: number | null }>("SELECT max(end) AS v FROM periods WHERE end <= ?", at)
      .one().v;
    const nextStart = this.sql
      .exec<{ v: number | null }>("SELECT min(start) AS v FROM periods WHERE start > ?", at)
      .one().v;
    return fitPeriod(scheduledPeriodAt(this.settings.config().schedule, at), previousEnd, nextStart);
  }

  /**
   * Closes, exactly once, every period that ended more than the grace ago: unused credits
   * expire in an `expired` entry carrying the period's summary (its `period.closed` notice is
   * queued with it). Then the current period is opened (from the allocation, no rollover).
   */
  closeEnded(now: number): PeriodClosed[] {
    const due = this.sql
      .exec<PeriodRow>(
        "SELECT * FROM periods WHERE closed_at IS NULL AND end <= ? ORDER BY start",
        now - CLOSE_GRACE_MS,
      )
      .toArray();
    if (due.length === 0) return [];
    const config = this.settings.config();
    const closed = due.map((period) => {
      const unused = availableOf(period);
      period.expired = unused;
      period.closed_at = now;
      this.sql.exec("UPDATE periods SET expired = ?, closed_at = ? WHERE start = ?", unused, now, period.start);
      const summary = {
        organizationId: config.organizationId,
        periodStart: isoSeconds(period.start),
        periodEnd: isoSeconds(period.end),
        allocation: period.allocation,
        consumed: period.used,
        adjusted: period.adjusted,
        expired: unused,
      };
      const seq = this.record("expired", -unused, period, period.end, { details: summary });
      this.sql.exec("INSERT INTO notices (seq) VALUES (?)", seq);
      return { ...summary, entryId: entryId(config.organizationId, seq) };
    });
    this.periodRow(now);
    return closed;
  }

  setPeriodAllocation(period: PeriodRow, credits: number, at: number, note: string | null = null): void {
    const delta = credits - period.allocation;
    period.allocation = credits;
    this.sql.exec("UPDATE periods SET allocation = ? WHERE start = ?", credits, period.start);
    this.record("allocation_set", delta, period, at, { note });
  }

  /** The current period's allocation follows the settings' limit (after a change of allocation, cap or mode). */
  applyLimit(period: PeriodRow, now: number): void {
    if (period.closed_at !== null) return;
    const allocation = periodLimit(this.settings.config()) ?? 0;
    if (period.allocation !== allocation) this.setPeriodAllocation(period, allocation, now);
  }

  /** One credit of the period used (the caller records the debit). */
  addUsed(period: PeriodRow): void {
    period.used += 1;
    this.sql.exec("UPDATE periods SET used = ? WHERE start = ?", period.used, period.start);
  }

  /** A refund or an operator adjustment of the period (the caller records it). */
  addAdjusted(period: PeriodRow, credits: number): void {
    period.adjusted += credits;
    this.sql.exec("UPDATE periods SET adjusted = ? WHERE start = ?", period.adjusted, period.start);
  }

  /** Ledger entries not mirrored yet lose the identity (an erasure); amounts and balances stay. */
  forgetIdentity(identity: string): void {
    this.sql.exec("UPDATE ledger SET identity = NULL WHERE identity = ?", identity);
  }

  balanceOf(period: PeriodRow, now: number): Balance {
    return balanceOf(period, pendingChangeAt(this.settings.config().schedule, now));
  }

  /** Appends a ledger entry and its outbox row (same transaction as the movement). Returns its seq. */
  record(
    kind: LedgerKind,
    amount: number,
    period: PeriodRow,
    at: number,
    extra: { eventId?: string; identity?: string | null; note?: string | null; details?: object } = {},
  ): number {
    const seq = this.sql
      .exec<{ id: number }>(
        `INSERT INTO ledger (at, kind, amount, allocation, balance_after, period_start, event_id, identity, note, details)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        at,
        kind,
        amount,
        period.allocation,
        ledgerBalanceOf(period),
        period.start,
        extra.eventId ?? null,
        extra.identity ?? null,
        extra.note ?? null,
        extra.details ? JSON.stringify(extra.details) : null,
      )
      .one().id;
    this.sql.exec("INSERT INTO outbox (seq) VALUES (?)", seq);
    this.recorded = true;
    return seq;
  }

  entry(seq: number): LedgerEntry {
    const row = this.sql
      .exec<CounterRow>(
        `SELECT l.*, l.id, p.end AS period_end FROM ledger l JOIN periods p ON p.start = l.period_start WHERE l.id = ?`,
        seq,
      )
      .one();
    return fromCounterRow(this.settings.config().organizationId, row);
  }
}
