import { DurableObject } from "cloudflare:workers";
import { hasPool, type BillingMode } from "../../shared/billing";
import {
  changeSchedule,
  fitPeriod,
  pendingChangeAt,
  scheduleOf,
  scheduledPeriodAt,
  type Schedule,
} from "../billing/period";
import type { Env } from "../env";
import { parseShardedName, tenantEnv, type Shard, type TenantEnv } from "../shards";
import { toHex } from "../lib/encoding";
import { randomHex } from "../lib/ids";
import { isoSeconds } from "../lib/time";
import { Serial } from "../lib/serial";
import { availableOf, balanceOf, ledgerBalanceOf, periodLimit } from "./balance";
import { entryId, toLedgerEntry, type LedgerEntry, type LedgerKind, type LedgerRow, type PeriodClosed } from "./ledger";
import { Leases } from "./leases";
import { Outbox } from "./outbox";
import { poolFor } from "./pool-client";
import { readCounterConfig } from "./queries";
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

/**
 * How long a replay of a hit can arrive: a message waits at most 4 days in the hits queue (its
 * retention), plus a day of margin. Answers that a replay could otherwise get differently are
 * remembered this long; charges are remembered for good.
 */
export const REDELIVERY_WINDOW_MS = 5 * 24 * 3600_000;
/** An operator adjustment's `Idempotency-Key` is kept this long after the entry it booked (docs/billing.md). */
export const IDEMPOTENCY_WINDOW_MS = 30 * 24 * 3600_000;
/**
 * A period is closed (unused credits expire) this long after its end, so hits that arrived
 * before the boundary but reach the counter late (queue retries) are still decided in it.
 */
export const CLOSE_GRACE_MS = 10 * 60_000;
/** A hold that no newer setting confirms is checked against D1 after this long. */
const HOLD_CHECK_MS = 30_000;
/** After a failed give-back of leases, the alarm tries again this soon. */
const LEASE_RETRY_MS = 5_000;

/** What a forgotten identity becomes in `charged`: no identity starts with it. */
const ERASED_PREFIX = "erased:";

/** Identity → its erased form, for the identities of one charge call. */
type ErasedForms = Map<string, string>;

/** The counter's own copy of its organization's settings. */
interface Stored extends Omit<CounterConfig, "billingPeriod" | "billingDayOfMonth" | "anchorMonth"> {
  schedule: Schedule;
  heldAt: number | null;
}

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
 * transaction, so charges never interleave around it.
 *
 * Each ledger entry is put in the outbox in the same transaction; the alarm mirrors it to D1
 * (credits/outbox.ts), after which the object forgets it.
 *
 * The settings come from D1 with versions (`configure`, `setAllocation`); a counter that has none
 * yet reads them from D1 before it takes its first request.
 */
export class CreditCounter extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  readonly outbox: Outbox;
  private readonly leases: Leases;
  private readonly serial = new Serial();
  /** The organization's tenant shard: where its settings come from and its ledger is mirrored to. */
  private readonly tenant: TenantEnv;
  private erasureKey: Promise<CryptoKey> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    createCounterSchema(this.sql);
    this.tenant = tenantEnv(env, this.shard());
    this.outbox = new Outbox(
      ctx.storage,
      this.tenant,
      (now) => this.openPeriod(now),
      () => this.storedConfig(),
    );
    this.leases = new Leases(this.sql, () => poolFor(env, this.config().partnerId));
    // Requests that arrive during the D1 read wait for it (input gate), so none sees the counter
    // unconfigured; the settings are durable before any reply (output gate). A failed read resets
    // the object, and the next request reads again. An alarm waking the object may not carry its
    // name, but alarms exist only once the counter was configured.
    if (!this.storedConfig()) ctx.blockConcurrencyWhile(() => this.configureFromD1(false));
  }

  /**
   * The tenant shard of the organization, from the counter's name (`<shard>/<organization id>`);
   * kept, because an alarm may wake the object without its name.
   */
  private shard(): Shard {
    const named = this.ctx.id.name === undefined ? null : parseShardedName(this.ctx.id.name);
    const kept = this.sql.exec<{ value: Shard }>("SELECT value FROM meta WHERE key = 'shard'").toArray()[0]?.value;
    if (named && kept === undefined) this.sql.exec("INSERT INTO meta (key, value) VALUES ('shard', ?)", named.shard);
    const shard = named?.shard ?? kept;
    if (shard === undefined) throw new Error(`credit counter ${this.ctx.id.toString()}: no shard in its name`);
    return shard;
  }

  /** Takes D1's settings. `confirm`: also when their version is the one held (checks a hold). */
  private async configureFromD1(confirm: boolean): Promise<void> {
    const organizationId = this.storedConfig()?.organizationId ?? parseShardedName(this.ctx.id.name ?? "")?.id;
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
    const balance = this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      const stored = this.storedConfig();
      if (!stored) {
        this.insertConfig(config);
      } else {
        if (
          config.settingsVersion > stored.settingsVersion ||
          (confirm && config.settingsVersion >= stored.settingsVersion)
        ) {
          this.sql.exec(
            `UPDATE config SET partner_id = ?, billing_mode = ?, active = ?, max_per_period = ?, uncapped_usage = ?,
               settings_version = ?, held_at = NULL`,
            config.partnerId,
            config.billingMode,
            config.active ? 1 : 0,
            config.maxPerPeriod,
            config.uncappedUsage ? 1 : 0,
            config.settingsVersion,
          );
        }
        if (config.allocationVersion > stored.allocationVersion) {
          this.sql.exec(
            "UPDATE config SET allocation = ?, allocation_version = ?",
            config.allocation,
            config.allocationVersion,
          );
        }
      }
      this.closeEnded(now);
      const period = this.periodRow(now);
      const { schedule } = this.config();
      const latest = schedule.rules[schedule.rules.length - 1]!;
      if (latest.period !== config.billingPeriod || latest.dayOfMonth !== config.billingDayOfMonth) {
        const changed = changeSchedule(
          schedule,
          { period: config.billingPeriod, dayOfMonth: config.billingDayOfMonth },
          period.end,
        );
        this.sql.exec("UPDATE config SET schedule = ?", JSON.stringify(changed));
      }
      this.applyLimit(period, now);
      return this.balanceOf(period, now);
    });
    this.outbox.scheduleFlush();
    return balance;
  }

  /**
   * Sets the allocation (not an increment) for the current and later periods, written by the
   * partner's pool with an ascending `version`: a version at or below the stored one is already
   * applied and changes nothing. Refused when the organization already used more than the new
   * limit (plus adjustments) this period.
   */
  setAllocation(credits: number, version: number, note: string | null = null): SetAllocationResult {
    const result = this.ctx.storage.transactionSync((): SetAllocationResult => {
      const now = Date.now();
      this.closeEnded(now);
      const period = this.periodRow(now);
      const stored = this.config();
      if (version <= stored.allocationVersion) return { ok: true, balance: this.balanceOf(period, now) };
      const limit = periodLimit({ ...stored, allocation: credits });
      if (limit !== null && limit + period.adjusted < period.used) return { ok: false, used: period.used };
      this.sql.exec("UPDATE config SET allocation = ?, allocation_version = ?", credits, version);
      this.setPeriodAllocation(period, limit ?? 0, now, note);
      return { ok: true, balance: this.balanceOf(period, now) };
    });
    this.outbox.scheduleFlush();
    return result;
  }

  /**
   * Stops charging at once, before a status route disables the organization in D1. The next
   * newer settings replace the hold; if none comes (the D1 write failed), the alarm takes D1's.
   */
  async hold(): Promise<void> {
    this.sql.exec("UPDATE config SET held_at = ? WHERE held_at IS NULL", Date.now());
    await this.wakeBy(Date.now() + HOLD_CHECK_MS);
  }

  /**
   * Charges a batch of identification attempts, in order. One credit per identity per
   * period; a replayed event id returns its first outcome.
   */
  async charge(requests: ChargeRequest[]): Promise<ChargeOutcome[]> {
    const config = this.config();
    const erased = await this.erasedForms(requests.flatMap((r) => (r.identity === null ? [] : [r.identity])));
    if (!hasPool(config.billingMode)) return this.chargeNow(requests, erased);
    return this.serial.run(async () => {
      const wanted = this.creditsWanted(requests, erased);
      if (wanted.length > 0) await this.leases.draw(config.organizationId, wanted);
      return this.chargeNow(requests, erased);
    });
  }

  /**
   * Forgets an identity (a visitor erasure, docs/privacy.md#erasure): its charges keep their period
   * and event under an HMAC of the identity with this counter's own random key instead of the
   * identity, and its ledger entries not mirrored yet lose it (amounts and balances are untouched).
   * A keyed hash rather than a tombstone: a visitor erased without being suppressed can be
   * identified again in the same period, and must still count as already charged; the key never
   * leaves the counter, so the stored value cannot be matched against a list of visitor ids.
   * Then the outbox is mirrored now (after any flush in flight), so D1 receives no entry carrying
   * the identity after the caller erased it there.
   */
  async forget(identity: string): Promise<void> {
    const erased = await this.erasedForm(identity);
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("UPDATE charged SET identity = ? WHERE identity = ?", erased, identity);
      this.sql.exec("UPDATE ledger SET identity = NULL WHERE identity = ?", identity);
    });
    const organizationId = this.storedConfig()?.organizationId;
    if (organizationId !== undefined) await this.outbox.flushNow(organizationId);
  }

  /**
   * Deletes everything the counter holds, alarm included (an organization purge). The pool's
   * side was settled when the organization was canceled: its allocation was released then.
   */
  async purge(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.erasureKey = undefined;
  }

  balance(at: number = Date.now()): Balance {
    const balance = this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      this.closeEnded(now);
      return this.balanceOf(this.periodRow(at), now);
    });
    this.outbox.scheduleFlush();
    return balance;
  }

  /**
   * Operator adjustment of the current period's balance (±credits, with a reason). With an
   * idempotency key, a repeated request gets the first entry and books nothing.
   */
  adjust(credits: number, reason: string, key: string | null = null): AdjustResult {
    return this.once(key, { credits, reason }, (): AdjustResult => {
      const now = Date.now();
      this.closeEnded(now);
      const period = this.periodRow(now);
      const available = availableOf(period);
      if (available + credits < 0) return { ok: false, reason: "below_zero", available };
      period.adjusted += credits;
      this.sql.exec("UPDATE periods SET adjusted = ? WHERE start = ?", period.adjusted, period.start);
      const seq = this.record("adjustment", credits, period, now, { note: reason });
      return { ok: true, entry: this.entry(seq), balance: this.balanceOf(period, now) };
    });
  }

  /** Gives a debit's credit back, booked in the current period (its own may be closed). Once per debit. */
  refund(eventId: string, reason: string, key: string | null = null): AdjustResult {
    return this.once(key, { refundEventId: eventId, reason }, (): AdjustResult => {
      const debit = this.sql
        .exec<{ identity: string; refunded: number }>(
          "SELECT identity, refunded FROM charged WHERE event_id = ?",
          eventId,
        )
        .toArray()[0];
      if (!debit) return { ok: false, reason: "not_charged" };
      if (debit.refunded) return { ok: false, reason: "already_refunded" };
      const now = Date.now();
      this.closeEnded(now);
      const period = this.periodRow(now);
      period.adjusted += 1;
      this.sql.exec("UPDATE periods SET adjusted = ? WHERE start = ?", period.adjusted, period.start);
      this.sql.exec("UPDATE charged SET refunded = 1 WHERE event_id = ?", eventId);
      // A forgotten identity stays forgotten: the refund carries none.
      const identity = debit.identity.startsWith(ERASED_PREFIX) ? null : debit.identity;
      const seq = this.record("refund", 1, period, now, { eventId, identity, note: reason });
      return { ok: true, entry: this.entry(seq), balance: this.balanceOf(period, now) };
    });
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

  /**
   * Forgets answers older than the redelivery window and idempotency keys older than theirs, settles a
   * hold and leases, mirrors the outbox to D1.
   */
  async alarm(): Promise<void> {
    const now = Date.now();
    this.sql.exec("DELETE FROM events WHERE at < ?", now - REDELIVERY_WINDOW_MS);
    this.sql.exec("DELETE FROM adjustments WHERE entry ->> '$.createdAt' < ?", isoSeconds(now - IDEMPOTENCY_WINDOW_MS));
    const stored = this.storedConfig();
    if (stored?.heldAt != null && now - stored.heldAt >= HOLD_CHECK_MS) await this.configureFromD1(true);
    let leasesDue: number | null = null;
    if (stored && this.leases.holding()) {
      try {
        await this.serial.run(() => this.leases.giveBack(stored.organizationId));
      } catch (error) {
        console.warn(`leases of ${stored.organizationId} not given back yet`, String(error));
        leasesDue = Date.now() + LEASE_RETRY_MS;
      }
    }
    await this.outbox.onAlarm(stored?.organizationId ?? null);
    const heldAt = this.storedConfig()?.heldAt ?? null;
    if (heldAt !== null) await this.wakeBy(heldAt + HOLD_CHECK_MS);
    if (leasesDue !== null) await this.wakeBy(leasesDue);
  }

  private chargeNow(requests: ChargeRequest[], erased: ErasedForms): ChargeOutcome[] {
    const outcomes = this.ctx.storage.transactionSync(() => {
      this.closeEnded(Date.now());
      const config = this.config();
      return requests.map((r) => this.chargeOne(r, config, erased));
    });
    this.outbox.scheduleFlush();
    if (this.leases.holding()) this.outbox.wake();
    return outcomes;
  }

  private chargeOne(request: ChargeRequest, config: Stored, erased: ErasedForms): ChargeOutcome {
    const debit = this.sql
      .exec<{ period_start: number }>("SELECT period_start FROM charged WHERE event_id = ?", request.eventId)
      .toArray()[0];
    if (debit) return this.outcome(request.eventId, "charged", this.periodRow(debit.period_start), config);
    const remembered = this.sql
      .exec<{ reason: ChargeOutcomeReason; period_start: number }>(
        "SELECT reason, period_start FROM events WHERE event_id = ?",
        request.eventId,
      )
      .toArray()[0];
    if (remembered)
      return this.outcome(request.eventId, remembered.reason, this.periodRow(remembered.period_start), config);

    const period = this.periodRow(request.at);
    if (request.identity === null) return this.outcome(request.eventId, "not_identified", period, config);
    if (!this.chargeable(config)) return this.remember(request, "disabled", period, config);
    if (this.charged(period.start, request.identity, erased)) {
      return this.outcome(request.eventId, "already_charged_this_period", period, config);
    }
    const limit = periodLimit(config);
    if (
      period.closed_at !== null ||
      (limit !== null && availableOf(period) <= 0) ||
      (hasPool(config.billingMode) && !this.leases.take(request.at))
    ) {
      // Spent, the partner's budget for the period is spent, or the period was already closed.
      return this.remember(request, "no_credit", period, config);
    }
    period.used += 1;
    this.sql.exec("UPDATE periods SET used = ? WHERE start = ?", period.used, period.start);
    this.sql.exec(
      "INSERT INTO charged (period_start, identity, event_id) VALUES (?, ?, ?)",
      period.start,
      request.identity,
      request.eventId,
    );
    this.record("debit", -1, period, request.at, { eventId: request.eventId, identity: request.identity });
    return this.outcome(request.eventId, "charged", period, config);
  }

  /** An answer a replay must get again even if credits or the status change meanwhile. */
  private remember(
    request: ChargeRequest,
    reason: ChargeOutcomeReason,
    period: PeriodRow,
    config: Stored,
  ): ChargeOutcome {
    this.sql.exec(
      "INSERT INTO events (event_id, reason, period_start, at) VALUES (?, ?, ?, ?)",
      request.eventId,
      reason,
      period.start,
      request.at,
    );
    return this.outcome(request.eventId, reason, period, config);
  }

  /** Times of the requests that may take a credit, for the leases to cover (extra ones are given back). */
  private creditsWanted(requests: ChargeRequest[], erased: ErasedForms): number[] {
    const config = this.config();
    if (!this.chargeable(config)) return [];
    const limit = periodLimit(config);
    const counted = new Set<string>();
    const wanted: number[] = [];
    for (const r of requests) {
      if (r.identity === null) continue;
      const period = this.existingPeriod(r.at);
      const key = `${period?.start}|${r.identity}`;
      if (counted.has(key)) continue;
      counted.add(key);
      if (period && (period.closed_at !== null || (limit !== null && availableOf(period) <= 0))) continue;
      if (period && this.charged(period.start, r.identity, erased)) continue;
      if (this.sql.exec("SELECT 1 FROM charged WHERE event_id = ?", r.eventId).toArray().length > 0) continue;
      if (this.sql.exec("SELECT 1 FROM events WHERE event_id = ?", r.eventId).toArray().length > 0) continue;
      wanted.push(r.at);
    }
    return wanted;
  }

  /** Charged in the period, under the identity or, once forgotten, under its erased form. */
  private charged(periodStart: number, identity: string, erased: ErasedForms): boolean {
    return (
      this.sql
        .exec(
          "SELECT 1 FROM charged WHERE period_start = ? AND identity IN (?, ?)",
          periodStart,
          identity,
          erased.get(identity) ?? identity,
        )
        .toArray().length > 0
    );
  }

  /**
   * The erased form of each identity, computed before the transaction (Web Crypto is async only).
   * The key is created by the first caller inside one synchronous statement, so every caller sees
   * the same key.
   */
  private async erasedForms(identities: string[]): Promise<ErasedForms> {
    const unique = [...new Set(identities)];
    const forms = await Promise.all(unique.map((identity) => this.erasedForm(identity)));
    return new Map(unique.map((identity, i) => [identity, forms[i]!]));
  }

  private async erasedForm(identity: string): Promise<string> {
    this.erasureKey ??= crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(this.erasureSecret()),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const mac = await crypto.subtle.sign("HMAC", await this.erasureKey, new TextEncoder().encode(identity));
    return `${ERASED_PREFIX}${toHex(mac)}`;
  }

  private erasureSecret(): string {
    this.sql.exec("INSERT OR IGNORE INTO erasure_key (id, key) VALUES (1, ?)", randomHex(32));
    return this.sql.exec<{ key: string }>("SELECT key FROM erasure_key WHERE id = 1").one().key;
  }

  private chargeable(config: Stored): boolean {
    return config.active && config.heldAt === null;
  }

  private outcome(eventId: string, reason: ChargeOutcomeReason, period: PeriodRow, config: Stored): ChargeOutcome {
    const uncapped = periodLimit(config) === null;
    return {
      eventId,
      reason,
      periodStart: period.start,
      used: period.used,
      allocation: uncapped ? null : period.allocation,
      available: uncapped ? null : availableOf(period),
    };
  }

  /**
   * Runs an operator adjustment once per idempotency key: a repeat with the same request gets the
   * first entry (and today's balance); the key with another request is refused.
   */
  private once(key: string | null, request: object, book: () => AdjustResult): AdjustResult {
    const result = this.ctx.storage.transactionSync((): AdjustResult => {
      const fingerprint = JSON.stringify(request);
      if (key !== null) {
        const first = this.sql
          .exec<{ request: string; entry: string }>("SELECT request, entry FROM adjustments WHERE key = ?", key)
          .toArray()[0];
        if (first && first.request !== fingerprint) return { ok: false, reason: "key_reused" };
        if (first) {
          const now = Date.now();
          this.closeEnded(now);
          return {
            ok: true,
            entry: JSON.parse(first.entry) as LedgerEntry,
            balance: this.balanceOf(this.periodRow(now), now),
          };
        }
      }
      const booked = book();
      if (key !== null && booked.ok) {
        this.sql.exec(
          "INSERT INTO adjustments (key, request, entry) VALUES (?, ?, ?)",
          key,
          fingerprint,
          JSON.stringify(booked.entry),
        );
      }
      return booked;
    });
    this.outbox.scheduleFlush();
    return result;
  }

  /** The organization's settings; throws when its organization is not in D1 either. */
  private config(): Stored {
    const config = this.storedConfig();
    if (!config)
      throw new Error(`credit counter ${this.ctx.id.name ?? this.ctx.id.toString()}: organization not found`);
    return config;
  }

  private storedConfig(): Stored | null {
    const row = this.sql
      .exec<{
        organization_id: string;
        partner_id: string;
        billing_mode: BillingMode;
        schedule: string;
        allocation: number;
        allocation_version: number;
        active: number;
        max_per_period: number | null;
        uncapped_usage: number;
        settings_version: number;
        held_at: number | null;
      }>("SELECT * FROM config WHERE id = 1")
      .toArray()[0];
    if (!row) return null;
    return {
      organizationId: row.organization_id,
      partnerId: row.partner_id,
      billingMode: row.billing_mode,
      schedule: JSON.parse(row.schedule) as Schedule,
      allocation: row.allocation,
      allocationVersion: row.allocation_version,
      active: row.active === 1,
      maxPerPeriod: row.max_per_period,
      uncappedUsage: row.uncapped_usage === 1,
      settingsVersion: row.settings_version,
      heldAt: row.held_at,
    };
  }

  private insertConfig(config: CounterConfig): void {
    const schedule = scheduleOf({
      period: config.billingPeriod,
      dayOfMonth: config.billingDayOfMonth,
      anchorMonth: config.anchorMonth,
    });
    this.sql.exec(
      `INSERT INTO config (id, organization_id, partner_id, billing_mode, schedule, allocation, allocation_version,
         active, max_per_period, uncapped_usage, settings_version)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      config.organizationId,
      config.partnerId,
      config.billingMode,
      JSON.stringify(schedule),
      config.allocation,
      config.allocationVersion,
      config.active ? 1 : 0,
      config.maxPerPeriod,
      config.uncappedUsage ? 1 : 0,
      config.settingsVersion,
    );
  }

  /** The current period's allocation follows the settings' limit (after a change of allocation, cap or mode). */
  private applyLimit(period: PeriodRow, now: number): void {
    if (period.closed_at !== null) return;
    const allocation = periodLimit(this.config()) ?? 0;
    if (period.allocation !== allocation) this.setPeriodAllocation(period, allocation, now);
  }

  private balanceOf(period: PeriodRow, now: number): Balance {
    return balanceOf(period, pendingChangeAt(this.config().schedule, now));
  }

  /** The earliest period not closed yet (the current one unless a close is due). */
  private openPeriod(now: number): PeriodRow {
    return (
      this.sql
        .exec<PeriodRow>("SELECT * FROM periods WHERE closed_at IS NULL AND start <= ? ORDER BY start LIMIT 1", now)
        .toArray()[0] ?? this.periodRow(now)
    );
  }

  private existingPeriod(at: number): PeriodRow | undefined {
    return this.sql
      .exec<PeriodRow>("SELECT * FROM periods WHERE start <= ? AND end > ? ORDER BY start DESC LIMIT 1", at, at)
      .toArray()[0];
  }

  /**
   * The period containing `at`, opened on first use from the current allocation (no rollover).
   * Boundaries come from the billing schedule (a changed rule takes over at the end of the period
   * that was running, with a transitional period of at least a full length); periods never overlap.
   */
  private periodRow(at: number): PeriodRow {
    const existing = this.existingPeriod(at);
    if (existing) return existing;
    const config = this.config();
    const previousEnd = this.sql
      .exec<{ v: number | null }>("SELECT max(end) AS v FROM periods WHERE end <= ?", at)
      .one().v;
    const nextStart = this.sql
      .exec<{ v: number | null }>("SELECT min(start) AS v FROM periods WHERE start > ?", at)
      .one().v;
    const { start, end } = fitPeriod(scheduledPeriodAt(config.schedule, at), previousEnd, nextStart);
    const allocation = periodLimit(config) ?? 0;
    this.sql.exec("INSERT INTO periods (start, end, allocation, used) VALUES (?, ?, ?, 0)", start, end, allocation);
    const period: PeriodRow = { start, end, allocation, used: 0, adjusted: 0, expired: 0, closed_at: null };
    this.record("period_opened", allocation, period, Math.max(at, start));
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

  /** Makes sure the alarm comes by `at`. */
  private async wakeBy(at: number): Promise<void> {
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm > at) await this.ctx.storage.setAlarm(at);
  }
}
