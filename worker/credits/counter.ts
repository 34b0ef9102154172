import { DurableObject } from "cloudflare:workers";
import type { BillingMode, BillingPeriod } from "../../shared/billing";
import { periodAt, type PeriodRule } from "../billing/period";
import type { Env } from "../env";

/** How the counter charges: written through whenever the organization's billing settings change. */
export interface CounterConfig {
  organizationId: string;
  billingMode: BillingMode;
  billingPeriod: BillingPeriod;
  billingDayOfMonth: number;
  anchorMonth: number;
  /** The allocation each period starts from. */
  allocation: number;
}

export interface ChargeRequest {
  /** The pixel's event id: a replayed id gets the first answer again and is never charged twice. */
  eventId: string;
  /** `company:<id>` / `person:<sha256>`, or null when nobody was identified. */
  identity: string | null;
  /** When the hit arrived (ms); decides the billing period. */
  at: number;
}

export type ChargeOutcomeReason = "charged" | "already_charged_this_period" | "no_credit" | "not_identified";

export interface ChargeOutcome {
  eventId: string;
  reason: ChargeOutcomeReason;
  periodStart: number;
  /** Credits used in that period after this charge. */
  used: number;
  /** The period's allocation; null when uncapped (usage_based without an allocation). */
  allocation: number | null;
}

export interface Balance {
  periodStart: number;
  periodEnd: number;
  allocation: number;
  used: number;
  available: number;
}

export type SetAllocationResult = { ok: true; balance: Balance } | { ok: false; used: number };

/** Event ids are remembered this long: longer than any pixel or queue retry can replay them. */
const EVENT_MEMORY_MS = 40 * 24 * 3600_000;

/**
 * The credit counter of one organization, the source of truth for its balance.
 *
 * Every method is synchronous SQL inside `transactionSync`: a Durable Object runs one
 * request at a time and does not yield without an `await`, so check-and-debit cannot
 * interleave, and the reply leaves only once the write is durable (output gate).
 * That is what makes debits exactly-once and the balance never negative.
 */
export class CreditCounter extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS config (
        id INTEGER PRIMARY KEY CHECK (id = 1), organization_id TEXT NOT NULL, billing_mode TEXT NOT NULL,
        billing_period TEXT NOT NULL, billing_day INTEGER NOT NULL, anchor_month INTEGER NOT NULL,
        allocation INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS periods (
        start INTEGER PRIMARY KEY, end INTEGER NOT NULL, allocation INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE IF NOT EXISTS charged (
        period_start INTEGER NOT NULL, identity TEXT NOT NULL, event_id TEXT NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (period_start, identity)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS events (
        event_id TEXT PRIMARY KEY, reason TEXT NOT NULL, period_start INTEGER NOT NULL, at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS events_by_time ON events (at);
      CREATE TABLE IF NOT EXISTS ledger (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, amount INTEGER NOT NULL,
        period_start INTEGER NOT NULL, event_id TEXT, identity TEXT, note TEXT);
    `);
  }

  configure(config: CounterConfig): Balance {
    return this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        `INSERT INTO config (id, organization_id, billing_mode, billing_period, billing_day, anchor_month, allocation)
         VALUES (1, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET organization_id = excluded.organization_id, billing_mode = excluded.billing_mode,
           billing_period = excluded.billing_period, billing_day = excluded.billing_day,
           anchor_month = excluded.anchor_month, allocation = excluded.allocation`,
        config.organizationId, config.billingMode, config.billingPeriod, config.billingDayOfMonth,
        config.anchorMonth, config.allocation,
      );
      const now = Date.now();
      const period = this.periodRow(now);
      if (period.allocation !== config.allocation) this.setPeriodAllocation(period.start, config.allocation, now);
      return this.balanceAt(now);
    });
  }

  isConfigured(): boolean {
    return this.config() !== null;
  }

  /**
   * Sets the allocation (not an increment) for the current and later periods.
   * Refused when the organization already used more than `credits` this period.
   */
  setAllocation(credits: number, note: string | null = null): SetAllocationResult | null {
    if (!this.config()) return null;
    return this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      const period = this.periodRow(now);
      if (credits < period.used) return { ok: false as const, used: period.used };
      this.sql.exec("UPDATE config SET allocation = ?", credits);
      this.setPeriodAllocation(period.start, credits, now, note);
      return { ok: true as const, balance: this.balanceAt(now) };
    });
  }

  /**
   * Charges a batch of identification attempts, in order. One credit per identity per
   * period; a replayed event id returns its first outcome. Null when not configured yet.
   */
  charge(requests: ChargeRequest[]): ChargeOutcome[] | null {
    const config = this.config();
    if (!config) return null;
    const outcomes = this.ctx.storage.transactionSync(() => requests.map((r) => this.chargeOne(r, config)));
    this.ensurePruneAlarm();
    return outcomes;
  }

  balance(at: number = Date.now()): Balance | null {
    if (!this.config()) return null;
    return this.ctx.storage.transactionSync(() => this.balanceAt(at));
  }

  /** Forgets event ids old enough that no retry can bring them back. */
  async alarm(): Promise<void> {
    this.sql.exec("DELETE FROM events WHERE at < ?", Date.now() - EVENT_MEMORY_MS);
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
      this.sql.exec("SELECT 1 FROM charged WHERE period_start = ? AND identity = ?", period.start, request.identity)
        .toArray().length > 0
    ) {
      reason = "already_charged_this_period";
    } else if (this.uncapped(config, period) || period.used < period.allocation) {
      reason = "charged";
      period.used += 1;
      this.sql.exec("UPDATE periods SET used = ? WHERE start = ?", period.used, period.start);
      this.sql.exec(
        "INSERT INTO charged (period_start, identity, event_id, at) VALUES (?, ?, ?, ?)",
        period.start, request.identity, request.eventId, request.at,
      );
      this.sql.exec(
        "INSERT INTO ledger (at, kind, amount, period_start, event_id, identity) VALUES (?, 'debit', -1, ?, ?, ?)",
        request.at, period.start, request.eventId, request.identity,
      );
    } else {
      reason = "no_credit";
    }
    this.sql.exec(
      "INSERT INTO events (event_id, reason, period_start, at) VALUES (?, ?, ?, ?)",
      request.eventId, reason, period.start, request.at,
    );
    return this.outcome(request.eventId, reason, period, config);
  }

  private outcome(eventId: string, reason: ChargeOutcomeReason, period: PeriodRow, config: CounterConfig): ChargeOutcome {
    return {
      eventId,
      reason,
      periodStart: period.start,
      used: period.used,
      allocation: this.uncapped(config, period) ? null : period.allocation,
    };
  }

  /** usage_based partners without an allocation: counted, not capped. */
  private uncapped(config: CounterConfig, period: PeriodRow): boolean {
    return config.billingMode === "usage_based" && period.allocation === 0;
  }

  private config(): CounterConfig | null {
    const row = this.sql
      .exec<{
        organization_id: string; billing_mode: BillingMode; billing_period: BillingPeriod;
        billing_day: number; anchor_month: number; allocation: number;
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

  /** The period containing `at`, created on first use from the current allocation (no rollover). */
  private periodRow(at: number): PeriodRow {
    const config = this.config()!;
    const rule: PeriodRule = {
      period: config.billingPeriod,
      dayOfMonth: config.billingDayOfMonth,
      anchorMonth: config.anchorMonth,
    };
    const { start, end } = periodAt(rule, at);
    const existing = this.sql
      .exec<PeriodRow>("SELECT start, end, allocation, used FROM periods WHERE start = ?", start)
      .toArray()[0];
    if (existing) return existing;
    this.sql.exec("INSERT INTO periods (start, end, allocation, used) VALUES (?, ?, ?, 0)", start, end, config.allocation);
    this.sql.exec(
      "INSERT INTO ledger (at, kind, amount, period_start) VALUES (?, 'period_opened', ?, ?)",
      at, config.allocation, start,
    );
    return { start, end, allocation: config.allocation, used: 0 };
  }

  private setPeriodAllocation(start: number, credits: number, at: number, note: string | null = null): void {
    this.sql.exec("UPDATE periods SET allocation = ? WHERE start = ?", credits, start);
    this.sql.exec(
      "INSERT INTO ledger (at, kind, amount, period_start, note) VALUES (?, 'allocation_set', ?, ?, ?)",
      at, credits, start, note,
    );
  }

  private balanceAt(at: number): Balance {
    const period = this.periodRow(at);
    return {
      periodStart: period.start,
      periodEnd: period.end,
      allocation: period.allocation,
      used: period.used,
      available: Math.max(0, period.allocation - period.used),
    };
  }

  private ensurePruneAlarm(): void {
    void this.ctx.storage.getAlarm().then((alarm) => {
      if (alarm === null) return this.ctx.storage.setAlarm(Date.now() + 24 * 3600_000);
    });
  }
}

type PeriodRow = {
  start: number;
  end: number;
  allocation: number;
  used: number;
};
