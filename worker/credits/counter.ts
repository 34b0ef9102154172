import { DurableObject } from "cloudflare:workers";
import type { BillingMode, BillingPeriod } from "../../shared/billing";
import { fitPeriod, periodAt, type PeriodRule } from "../billing/period";
import type { Env } from "../env";
import { isoSeconds } from "../lib/ids";
import { availableOf, balanceOf, ledgerBalanceOf } from "./balance";
import { entryId, toLedgerEntry, type LedgerEntry, type LedgerKind, type LedgerRow, type PeriodClosed } from "./ledger";
import { readCounterConfig } from "./counter-client";
import { Outbox } from "./outbox";
import { createCounterSchema } from "./schema";
import type {
  AdjustResult,
  Balance,
  ChargeOutcome,
  ChargeOutcomeReason,
  ChargeRequest,
  CounterConfig,
  PeriodRow,
  SetAllocationResult,
} from "./types";

export type {
  AdjustResult,
  Balance,
  ChargeOutcome,
  ChargeOutcomeReason,
  ChargeRequest,
  CounterConfig,
  SetAllocationResult,
} from "./types";

/** Event ids are remembered this long: longer than any pixel or queue retry can replay them. */
const EVENT_MEMORY_MS = 40 * 24 * 3600_000;
/**
 * A period is closed (unused credits expire) this long after its end, so hits that arrived
 * before the boundary but reach the counter late (queue retries) are still decided in it.
 */
export const CLOSE_GRACE_MS = 10 * 60_000;

/**
 * The credit counter of one organization, the source of truth for its balance and ledger.
 *
 * Every method is synchronous SQL inside `transactionSync`: a Durable Object runs one
 * request at a time and does not yield without an `await`, so check-and-debit cannot
 * interleave, and the reply leaves only once the write is durable (output gate).
 * That is what makes debits exactly-once and the balance never negative.
 *
 * Each ledger entry is also put in the outbox in the same transaction; the alarm mirrors
 * it to D1 (credits/outbox.ts).
 *
 * The organization's settings are written through on every change (`configure`); a counter
 * that has none yet reads them from D1 before it takes its first request.
 */
export class CreditCounter extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  readonly outbox: Outbox;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    createCounterSchema(this.sql);
    this.outbox = new Outbox(ctx.storage, env, (now) => this.openPeriod(now));
    // Requests that arrive during the D1 read wait for it (input gate), so none sees the counter
    // unconfigured; the settings are durable before any reply (output gate). A failed read resets
    // the object, and the next request reads again. An alarm waking the object may not carry its
    // name, but alarms exist only once the counter was configured.
    if (!this.storedConfig()) ctx.blockConcurrencyWhile(() => this.configureFromD1());
  }

  private async configureFromD1(): Promise<void> {
    const organizationId = this.ctx.id.name;
    if (organizationId === undefined) return;
    const config = await readCounterConfig(this.env.DB, organizationId);
    if (config) this.configure(config);
  }

  configure(config: CounterConfig): Balance {
    const balance = this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        `INSERT INTO config (id, organization_id, billing_mode, billing_period, billing_day, anchor_month, allocation)
         VALUES (1, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET organization_id = excluded.organization_id, billing_mode = excluded.billing_mode,
           billing_period = excluded.billing_period, billing_day = excluded.billing_day,
           anchor_month = excluded.anchor_month, allocation = excluded.allocation`,
        config.organizationId,
        config.billingMode,
        config.billingPeriod,
        config.billingDayOfMonth,
        config.anchorMonth,
        config.allocation,
      );
      const now = Date.now();
      this.closeEnded(now);
      const period = this.periodRow(now);
      if (period.allocation !== config.allocation) this.setPeriodAllocation(period, config.allocation, now);
      return balanceOf(period);
    });
    this.outbox.scheduleFlush();
    return balance;
  }

  /**
   * Sets the allocation (not an increment) for the current and later periods.
   * Refused when the organization already used more than `credits` (plus adjustments) this period.
   */
  setAllocation(credits: number, note: string | null = null): SetAllocationResult {
    const result = this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      this.closeEnded(now);
      const period = this.periodRow(now);
      if (credits + period.adjusted < period.used) return { ok: false as const, used: period.used };
      this.sql.exec("UPDATE config SET allocation = ?", credits);
      this.setPeriodAllocation(period, credits, now, note);
      return { ok: true as const, balance: balanceOf(period) };
    });
    this.outbox.scheduleFlush();
    return result;
  }

  /**
   * Charges a batch of identification attempts, in order. One credit per identity per
   * period; a replayed event id returns its first outcome.
   */
  charge(requests: ChargeRequest[]): ChargeOutcome[] {
    const config = this.config();
    const outcomes = this.ctx.storage.transactionSync(() => {
      this.closeEnded(Date.now());
      return requests.map((r) => this.chargeOne(r, config));
    });
    this.outbox.scheduleFlush();
    return outcomes;
  }

  balance(at: number = Date.now()): Balance {
    const balance = this.ctx.storage.transactionSync(() => {
      this.closeEnded(Date.now());
      return balanceOf(this.periodRow(at));
    });
    this.outbox.scheduleFlush();
    return balance;
  }

  /** Operator adjustment of the current period's balance (±credits, with a reason). */
  adjust(credits: number, reason: string): AdjustResult {
    const result = this.ctx.storage.transactionSync((): AdjustResult => {
      const now = Date.now();
      this.closeEnded(now);
      const period = this.periodRow(now);
      const available = availableOf(period);
      if (available + credits < 0) return { ok: false, reason: "below_zero", available };
      period.adjusted += credits;
      this.sql.exec("UPDATE periods SET adjusted = ? WHERE start = ?", period.adjusted, period.start);
      const seq = this.record("adjustment", credits, period, now, { note: reason });
      return { ok: true, entry: this.entry(seq), balance: balanceOf(period) };
    });
    this.outbox.scheduleFlush();
    return result;
  }

  /** Gives a debit's credit back, booked in the current period (its own may be closed). Once per debit. */
  refund(eventId: string, reason: string): AdjustResult {
    const result = this.ctx.storage.transactionSync((): AdjustResult => {
      const entries = this.sql
        .exec<{ kind: LedgerKind; identity: string | null }>(
          "SELECT kind, identity FROM ledger WHERE event_id = ? AND kind IN ('debit', 'refund')",
          eventId,
        )
        .toArray();
      const debit = entries.find((e) => e.kind === "debit");
      if (!debit) return { ok: false, reason: "not_charged" };
      if (entries.some((e) => e.kind === "refund")) return { ok: false, reason: "already_refunded" };
      const now = Date.now();
      this.closeEnded(now);
      const period = this.periodRow(now);
      period.adjusted += 1;
      this.sql.exec("UPDATE periods SET adjusted = ? WHERE start = ?", period.adjusted, period.start);
      const seq = this.record("refund", 1, period, now, { eventId, identity: debit.identity, note: reason });
      return { ok: true, entry: this.entry(seq), balance: balanceOf(period) };
    });
    this.outbox.scheduleFlush();
    return result;
  }

  /**
   * Closes every period that ended (expiring unused credits), opens the current one, and
   * mirrors the ledger to D1 now. Safe to repeat: a closed period is never closed again.
   */
  async renew(): Promise<PeriodClosed[]> {
    const config = this.config();
    const closed = this.ctx.storage.transactionSync(() => this.closeEnded(Date.now()));
    await this.outbox.flushNow(config.organizationId);
    return closed;
  }

  /** Forgets old event ids; mirrors the outbox to D1 (credits/outbox.ts). */
  async alarm(): Promise<void> {
    this.sql.exec("DELETE FROM events WHERE at < ?", Date.now() - EVENT_MEMORY_MS);
    await this.outbox.onAlarm(this.storedConfig()?.organizationId ?? null);
  }

  private chargeOne(request: ChargeRequest, config: CounterConfig): ChargeOutcome {
    const seen = this.sql
      .exec<{ reason: ChargeOutcomeReason; period_start: number }>(
        "SELECT reason, period_start FROM events WHERE event_id = ?",
        request.eventId,
      )
      .toArray()[0];
    if (seen) {
      const period = this.periodRow(seen.period_start);
      return this.outcome(request.eventId, seen.reason, period, config);
    }
    const period = this.periodRow(request.at);
    let reason: ChargeOutcomeReason;
    if (request.identity === null) {
      reason = "not_identified";
    } else if (
      this.sql
        .exec("SELECT 1 FROM charged WHERE period_start = ? AND identity = ?", period.start, request.identity)
        .toArray().length > 0
    ) {
      reason = "already_charged_this_period";
    } else if (period.closed_at === null && (this.uncapped(config, period) || availableOf(period) > 0)) {
      reason = "charged";
      period.used += 1;
      this.sql.exec("UPDATE periods SET used = ? WHERE start = ?", period.used, period.start);
      this.sql.exec(
        "INSERT INTO charged (period_start, identity, event_id, at) VALUES (?, ?, ?, ?)",
        period.start,
        request.identity,
        request.eventId,
        request.at,
      );
      this.record("debit", -1, period, request.at, { eventId: request.eventId, identity: request.identity });
    } else {
      // Spent, or the period was already closed (its unused credits expired).
      reason = "no_credit";
    }
    this.sql.exec(
      "INSERT INTO events (event_id, reason, period_start, at) VALUES (?, ?, ?, ?)",
      request.eventId,
      reason,
      period.start,
      request.at,
    );
    return this.outcome(request.eventId, reason, period, config);
  }

  private outcome(
    eventId: string,
    reason: ChargeOutcomeReason,
    period: PeriodRow,
    config: CounterConfig,
  ): ChargeOutcome {
    return {
      eventId,
      reason,
      periodStart: period.start,
      used: period.used,
      allocation: this.uncapped(config, period) ? null : period.allocation,
      available: this.uncapped(config, period) ? null : availableOf(period),
    };
  }

  /** usage_based partners without an allocation: counted, not capped. */
  private uncapped(config: CounterConfig, period: PeriodRow): boolean {
    return config.billingMode === "usage_based" && period.allocation === 0;
  }

  /** The organization's settings; throws when its organization is not in D1 either. */
  private config(): CounterConfig {
    const config = this.storedConfig();
    if (!config)
      throw new Error(`credit counter ${this.ctx.id.name ?? this.ctx.id.toString()}: organization not found`);
    return config;
  }

  private storedConfig(): CounterConfig | null {
    const row = this.sql
      .exec<{
        organization_id: string;
        billing_mode: BillingMode;
        billing_period: BillingPeriod;
        billing_day: number;
        anchor_month: number;
        allocation: number;
      }>("SELECT * FROM config WHERE id = 1")
      .toArray()[0];
    if (!row) return null;
    return {
      organizationId: row.organization_id,
      billingMode: row.billing_mode,
      billingPeriod: row.billing_period,
      billingDayOfMonth: row.billing_day,
      anchorMonth: row.anchor_month,
      allocation: row.allocation,
    };
  }

  /** The earliest period not closed yet (the current one unless a close is due). */
  private openPeriod(now: number): PeriodRow {
    return (
      this.sql
        .exec<PeriodRow>("SELECT * FROM periods WHERE closed_at IS NULL AND start <= ? ORDER BY start LIMIT 1", now)
        .toArray()[0] ?? this.periodRow(now)
    );
  }

  /**
   * The period containing `at`, opened on first use from the current allocation (no rollover).
   * Boundaries come from the billing rule; a rule changed mid-period takes effect at the next
   * boundary (the period in between is shortened), so periods never overlap.
   */
  private periodRow(at: number): PeriodRow {
    const existing = this.sql
      .exec<PeriodRow>("SELECT * FROM periods WHERE start <= ? AND end > ? ORDER BY start DESC LIMIT 1", at, at)
      .toArray()[0];
    if (existing) return existing;
    const config = this.config();
    const rule: PeriodRule = {
      period: config.billingPeriod,
      dayOfMonth: config.billingDayOfMonth,
      anchorMonth: config.anchorMonth,
    };
    const previousEnd = this.sql
      .exec<{ v: number | null }>("SELECT max(end) AS v FROM periods WHERE end <= ?", at)
      .one().v;
    const nextStart = this.sql
      .exec<{ v: number | null }>("SELECT min(start) AS v FROM periods WHERE start > ?", at)
      .one().v;
    const { start, end } = fitPeriod(periodAt(rule, at), previousEnd, nextStart);
    this.sql.exec(
      "INSERT INTO periods (start, end, allocation, used) VALUES (?, ?, ?, 0)",
      start,
      end,
      config.allocation,
    );
    const period: PeriodRow = {
      start,
      end,
      allocation: config.allocation,
      used: 0,
      adjusted: 0,
      expired: 0,
      closed_at: null,
    };
    this.record("period_opened", config.allocation, period, Math.max(at, start));
    return period;
  }

  /**
   * Closes, exactly once, every period that ended more than the grace ago: unused credits
   * expire in an `expired` entry carrying the period's summary. Then the current period is
   * opened (from the allocation, no rollover). Runs inside the caller's transaction.
   */
  private closeEnded(now: number): PeriodClosed[] {
    const due = this.sql
      .exec<PeriodRow>(
        "SELECT * FROM periods WHERE closed_at IS NULL AND end <= ? ORDER BY start",
        now - CLOSE_GRACE_MS,
      )
      .toArray();
    if (due.length === 0) return [];
    const config = this.config();
    const closed = due.map((period) => {
      const unused = this.uncapped(config, period) ? 0 : availableOf(period);
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
      this.outbox.notice(seq);
      return { ...summary, entryId: entryId(config.organizationId, seq) };
    });
    this.periodRow(now);
    return closed;
  }

  private setPeriodAllocation(period: PeriodRow, credits: number, at: number, note: string | null = null): void {
    const delta = credits - period.allocation;
    period.allocation = credits;
    this.sql.exec("UPDATE periods SET allocation = ? WHERE start = ?", credits, period.start);
    this.record("allocation_set", delta, period, at, { note });
  }

  /** Appends a ledger entry and its outbox row (same transaction as the movement). Returns its seq. */
  private record(
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
    this.outbox.add(seq);
    return seq;
  }

  private entry(seq: number): LedgerEntry {
    const row = this.sql
      .exec<LedgerRow>(
        `SELECT l.*, l.id, p.end AS period_end FROM ledger l JOIN periods p ON p.start = l.period_start WHERE l.id = ?`,
        seq,
      )
      .one();
    return toLedgerEntry(this.config().organizationId, row);
  }
}
