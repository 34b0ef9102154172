import { DurableObject } from "cloudflare:workers";
import { hasPool } from "../../shared/billing";
import { changeSchedule } from "../billing/period";
import type { Env } from "../env";
import { parseShardedName, tenantEnv, type TenantEnv } from "../shards";
import { Serial } from "../lib/serial";
import { Adjustments } from "./adjustments";
import { availableOf, outcomeOf, periodLimit } from "./balance";
import { Charges } from "./charges";
import { chargeable, creditsWanted } from "./demand";
import { ErasureKey, type ErasedForms } from "./erasure";
import type { PeriodClosed } from "./ledger";
import { Leases } from "./leases";
import { Outbox } from "./outbox";
import { Periods } from "./periods";
import { poolFor } from "./pool-client";
import { readCounterConfig } from "./queries";
import { createCounterSchema } from "./schema";
import { Settings, type Stored } from "./settings";
import {
  BUDGET_BUSY,
  type AdjustResult,
  type Balance,
  type ChargeAnswer,
  type ChargeOutcome,
  type ChargeOutcomeReason,
  type ChargeRequest,
  type CounterConfig,
  type PeriodRow,
  type SetAllocationResult,
} from "./types";

export type { AdjustResult, Balance, ChargeAnswer, ChargeOutcome, ChargeRequest } from "./types";

/** A hold that no newer setting confirms is checked against D1 after this long. */
const HOLD_CHECK_MS = 30_000;
/** After a failed give-back of leases, the alarm tries again this soon. */
const LEASE_RETRY_MS = 5_000;

/**
 * The credit counter of one organization, the source of truth for its balance.
 *
 * Every decision is synchronous SQL inside `transactionSync`: a Durable Object runs one
 * request at a time and does not yield without an `await`, so check-and-debit cannot
 * interleave, and the reply leaves only once the write is durable (output gate).
 * That is what makes debits exactly-once and the balance never negative.
 *
 * Pooled partners: a charge also needs a credit of the partner's budget, leased from the
 * partner's `CreditPool` (credits/leases.ts); that await runs through `serial`, before the
 * transaction, so charges never interleave around it. A hit the budget cannot cover while other
 * counters still hold leased credits is answered `budget_busy` and remembered nowhere: it is asked
 * again later, and only a window the pool reports spent refuses it for good (`no_credit`).
 *
 * Each ledger entry is put in the outbox in the same transaction; the alarm mirrors it to D1
 * (credits/outbox.ts), after which the object forgets it.
 *
 * The settings come from D1 with versions (`configure`, `setAllocation`); a counter that has none
 * yet reads them from D1 before it takes its first request.
 */
export class CreditCounter extends DurableObject<Env> {
  private readonly settings: Settings;
  private readonly periods: Periods;
  private readonly charges: Charges;
  private readonly adjustments: Adjustments;
  readonly outbox: Outbox;
  private readonly leases: Leases;
  private readonly erasure: ErasureKey;
  private readonly serial = new Serial();
  /** The organization's tenant shard: where its settings come from and its ledger is mirrored to. */
  private readonly tenant: TenantEnv;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    createCounterSchema(sql);
    this.settings = new Settings(sql, ctx.id.name ?? ctx.id.toString());
    const named = ctx.id.name === undefined ? null : parseShardedName(ctx.id.name);
    const shard = this.settings.shard(named?.shard);
    if (shard === undefined) throw new Error(`credit counter ${ctx.id.toString()}: no shard in its name`);
    this.tenant = tenantEnv(env, shard);
    this.periods = new Periods(sql, this.settings);
    this.charges = new Charges(sql);
    this.adjustments = new Adjustments(sql, this.periods, this.charges);
    this.outbox = new Outbox(ctx.storage, this.tenant, this.periods, this.settings);
    this.leases = new Leases(sql, () => poolFor(env, this.settings.config().partnerId));
    this.erasure = new ErasureKey(sql);
    // Requests that arrive during the D1 read wait for it (input gate), so none sees the counter
    // unconfigured; the settings are durable before any reply (output gate). A failed read resets
    // the object, and the next request reads again. An alarm waking the object may not carry its
    // name, but alarms exist only once the counter was configured.
    if (!this.settings.stored()) ctx.blockConcurrencyWhile(() => this.configureFromD1(false));
  }

  /** Takes D1's settings. `confirm`: also when their version is the one held (checks a hold). */
  private async configureFromD1(confirm: boolean): Promise<void> {
    const organizationId = this.settings.stored()?.organizationId ?? parseShardedName(this.ctx.id.name ?? "")?.id;
    if (organizationId === undefined) return;
    const config = await readCounterConfig(this.tenant, organizationId);
    if (config) this.configure(config, confirm);
  }

  /**
   * Brings the counter up to D1's settings: status and partner settings by `settingsVersion`,
   * the allocation by `allocationVersion` (older versions change nothing), and a new billing rule
   * as a change that takes over at the end of the running period.
   */
  configure(config: CounterConfig, confirm = false): Balance {
    return this.write(() => {
      const now = Date.now();
      this.settings.take(config, confirm);
      this.periods.closeEnded(now);
      const period = this.periods.periodRow(now);
      const { schedule } = this.settings.config();
      const latest = schedule.rules[schedule.rules.length - 1]!;
      if (latest.period !== config.billingPeriod || latest.dayOfMonth !== config.billingDayOfMonth) {
        const rule = { period: config.billingPeriod, dayOfMonth: config.billingDayOfMonth };
        this.settings.setSchedule(changeSchedule(schedule, rule, period.end));
      }
      this.periods.applyLimit(period, now);
      return this.periods.balanceOf(period, now);
    });
  }

  /**
   * Sets the allocation (not an increment) for the current and later periods, written by the
   * partner's pool with an ascending `version`: a version at or below the stored one is already
   * applied and changes nothing. Refused when the organization already used more than the new
   * limit (plus adjustments) this period.
   */
  setAllocation(credits: number, version: number, note: string | null = null): SetAllocationResult {
    return this.write((): SetAllocationResult => {
      const now = Date.now();
      this.periods.closeEnded(now);
      const period = this.periods.periodRow(now);
      const stored = this.settings.config();
      if (version <= stored.allocationVersion) return { ok: true, balance: this.periods.balanceOf(period, now) };
      const limit = periodLimit({ ...stored, allocation: credits });
      if (limit !== null && limit + period.adjusted < period.used) return { ok: false, used: period.used };
      this.settings.setAllocation(credits, version);
      this.periods.setPeriodAllocation(period, limit ?? 0, now, note);
      return { ok: true, balance: this.periods.balanceOf(period, now) };
    });
  }

  /**
   * Stops charging at once, before a status route disables the organization in D1. The next
   * newer settings replace the hold; if none comes (the D1 write failed), the alarm takes D1's.
   */
  async hold(): Promise<void> {
    this.settings.hold(Date.now());
    await this.wakeBy(Date.now() + HOLD_CHECK_MS);
  }

  /**
   * Charges a batch of identification attempts, in order. One credit per identity per
   * period; a replayed event id returns its first outcome. `budget_busy` answers are not outcomes:
   * ask again later.
   */
  async charge(requests: ChargeRequest[]): Promise<ChargeAnswer[]> {
    const config = this.settings.config();
    const erased = await this.erasure.forms(requests.flatMap((r) => (r.identity === null ? [] : [r.identity])));
    if (!hasPool(config.billingMode)) return this.chargeNow(requests, erased, new Set());
    return this.serial.run(async () => {
      const { ats, spare } = creditsWanted(requests, erased, this.settings.config(), this.periods, this.charges);
      let spent = new Set<number>();
      try {
        if (ats.length > 0) spent = await this.leases.draw(config.organizationId, ats, spare);
      } finally {
        // A failed lease call is settled by the alarm (the pool may have granted what never arrived).
        if (this.leases.due(Date.now())) this.outbox.wake();
      }
      return this.chargeNow(requests, erased, spent);
    });
  }

  /**
   * Forgets an identity (a visitor erasure, docs/privacy.md#erasure): its charges keep their period
   * and event under its erased form (credits/erasure.ts) instead of the identity, and its ledger
   * entries not mirrored yet lose it (amounts and balances are untouched). Then the outbox is
   * mirrored now (after any flush in flight), so D1 receives no entry carrying the identity after
   * the caller erased it there.
   */
  async forget(identity: string): Promise<void> {
    const erased = await this.erasure.form(identity);
    this.ctx.storage.transactionSync(() => {
      this.charges.erase(identity, erased);
      this.periods.forgetIdentity(identity);
    });
    const organizationId = this.settings.stored()?.organizationId;
    if (organizationId !== undefined) await this.outbox.flushNow(organizationId);
  }

  /**
   * Deletes everything the counter holds, alarm included (an organization purge), once its leases
   * are settled with the pool: unused credits go back (also a grant whose answer was lost), so
   * none stays counted out until the window ends. A failed give-back fails the purge, which is
   * repeated. The allocation was released when the organization was canceled.
   */
  async purge(): Promise<void> {
    const organizationId = this.settings.stored()?.organizationId;
    if (organizationId !== undefined) await this.serial.run(() => this.leases.giveBack(organizationId));
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    // Empty, not broken: a repeated purge, or a late call, finds an unconfigured counter.
    createCounterSchema(this.ctx.storage.sql);
    this.erasure.reset();
  }

  balance(at: number = Date.now()): Balance {
    return this.write(() => {
      const now = Date.now();
      this.periods.closeEnded(now);
      return this.periods.balanceOf(this.periods.periodRow(at), now);
    });
  }

  /**
   * Operator adjustment of the current period's balance (±credits, with a reason). With an
   * idempotency key, a repeated request gets the first entry and books nothing.
   */
  adjust(credits: number, reason: string, key: string | null = null): AdjustResult {
    return this.write(() => this.adjustments.adjust(credits, reason, key));
  }

  /** Gives a debit's credit back, booked in the current period (its own may be closed). Once per debit. */
  refund(eventId: string, reason: string, key: string | null = null): AdjustResult {
    return this.write(() => this.adjustments.refund(eventId, reason, key));
  }

  /**
   * Closes every period that ended (expiring unused credits), opens the current one, and
   * mirrors the ledger to D1 now. Safe to repeat: a closed period is never closed again.
   */
  async renew(): Promise<PeriodClosed[]> {
    const config = this.settings.config();
    const closed = this.ctx.storage.transactionSync(() => this.periods.closeEnded(Date.now()));
    await this.outbox.flushNow(config.organizationId);
    return closed;
  }

  /**
   * The allocation the counter holds, with its version, for the pool to settle a change whose call
   * failed: a version below `version` is raised to it, so the failed change (of that version) can
   * no longer land later. The allocation itself is unchanged.
   */
  fenceAllocation(version: number): { credits: number; version: number } {
    return this.ctx.storage.transactionSync(() => {
      const stored = this.settings.config();
      if (stored.allocationVersion < version) this.settings.setAllocation(stored.allocation, version);
      return { credits: stored.allocation, version: Math.max(version, stored.allocationVersion) };
    });
  }

  /**
   * Forgets answers older than the redelivery window and idempotency keys older than theirs, settles a
   * hold and leases (unused ones back to the pool, uses reported), mirrors the outbox to D1.
   */
  async alarm(): Promise<void> {
    const now = Date.now();
    this.charges.forgetOldAnswers(now);
    this.adjustments.forgetOldKeys(now);
    const stored = this.settings.stored();
    if (stored?.heldAt != null && now - stored.heldAt >= HOLD_CHECK_MS) await this.configureFromD1(true);
    let leasesDue: number | null = null;
    if (stored && this.leases.due(now)) {
      try {
        await this.serial.run(() => this.leases.giveBack(stored.organizationId));
      } catch (error) {
        console.warn(`leases of ${stored.organizationId} not given back yet`, String(error));
        leasesDue = Date.now() + LEASE_RETRY_MS;
      }
    }
    await this.outbox.onAlarm(stored?.organizationId ?? null);
    const heldAt = this.settings.stored()?.heldAt ?? null;
    if (heldAt !== null) await this.wakeBy(heldAt + HOLD_CHECK_MS);
    if (leasesDue !== null) await this.wakeBy(leasesDue);
  }

  /** `spent`: windows of the partner's budget the pool reported spent (a hit they cannot cover is `no_credit`). */
  private chargeNow(requests: ChargeRequest[], erased: ErasedForms, spent: Set<number>): ChargeAnswer[] {
    const outcomes = this.write(() => {
      this.periods.closeEnded(Date.now());
      const config = this.settings.config();
      return requests.map((r) => this.chargeOne(r, config, erased, spent));
    });
    if (this.leases.due(Date.now())) this.outbox.wake();
    return outcomes;
  }

  private chargeOne(request: ChargeRequest, config: Stored, erased: ErasedForms, spent: Set<number>): ChargeAnswer {
    const chargedIn = this.charges.chargedPeriod(request.eventId);
    if (chargedIn !== undefined)
      return outcomeOf(request.eventId, "charged", this.periods.periodRow(chargedIn), config);
    const remembered = this.charges.answer(request.eventId);
    if (remembered)
      return outcomeOf(request.eventId, remembered.reason, this.periods.periodRow(remembered.period_start), config);

    const period = this.periods.periodRow(request.at);
    if (request.identity === null) return outcomeOf(request.eventId, "not_identified", period, config);
    if (!chargeable(config)) return this.remember(request, "disabled", period, config);
    if (this.charges.has(period.start, request.identity, erased)) {
      return outcomeOf(request.eventId, "already_charged_this_period", period, config);
    }
    const limit = periodLimit(config);
    if (period.closed_at !== null || (limit !== null && availableOf(period) <= 0)) {
      // Spent, or the period was already closed.
      return this.remember(request, "no_credit", period, config);
    }
    if (hasPool(config.billingMode) && !this.leases.take(request.at)) {
      // The partner's budget: refused for good only once the pool reports the window spent.
      if (this.leases.spentAt(request.at, spent)) return this.remember(request, "no_credit", period, config);
      return outcomeOf(request.eventId, BUDGET_BUSY, period, config);
    }
    this.periods.addUsed(period);
    this.charges.add(period.start, request.identity, request.eventId);
    this.periods.record("debit", -1, period, request.at, { eventId: request.eventId, identity: request.identity });
    return outcomeOf(request.eventId, "charged", period, config);
  }

  /** An answer a replay must get again even if credits or the status change meanwhile. */
  private remember(
    request: ChargeRequest,
    reason: ChargeOutcomeReason,
    period: PeriodRow,
    config: Stored,
  ): ChargeOutcome {
    this.charges.remember(request.eventId, reason, period.start, request.at);
    return outcomeOf(request.eventId, reason, period, config);
  }

  /** Runs a change in one transaction, then makes sure what it recorded is mirrored soon. */
  private write<T>(change: () => T): T {
    const result = this.ctx.storage.transactionSync(change);
    this.outbox.scheduleFlush();
    return result;
  }

  /** Makes sure the alarm comes by `at`. */
  private async wakeBy(at: number): Promise<void> {
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > at) await this.ctx.storage.setAlarm(at);
  }
}
