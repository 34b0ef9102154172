import { DurableObject } from "cloudflare:workers";
import { hasPool, TRIAL_CREDIT_LIMIT, type Tier } from "../../shared/billing";
import { changeSchedule, scheduleOf, scheduledPeriodAt, type Schedule } from "../billing/period";
import type { Env } from "../env";
import { partnerTenant, type TenantEnv } from "../shards";
import { newId } from "../lib/ids";
import { Serial } from "../lib/serial";
import { Budget } from "./budget";
import { counterFor } from "./counter-client";
import {
  existingOrganizations,
  mirrorAllocation,
  readPoolOrganization,
  readPoolSource,
  setTierStatement,
} from "./queries";
import { PoolConfig, type StoredSettings } from "./pool-config";
import { createPoolSchema } from "./schema";
import type {
  AllocationRefusal,
  AllocationResult,
  LeaseAsk,
  LeaseReport,
  LeaseWindow,
  PoolOrganization,
  PoolSettings,
} from "./types";

/** A registration D1 has not shown yet is kept this long before it counts as abandoned. */
const REGISTRATION_GRACE_MS = 60_000;

/**
 * The credit pool of one partner (one Durable Object per partner id): the one writer of its
 * organizations' allocations and tiers, and the keeper of its budget.
 *
 * - Allocations: the sum over the partner's organizations may not exceed the pool (pooled modes);
 *   each change goes here first, then to the organization's counter with an ascending version,
 *   then to D1, one change at a time (`serial`: the counter call is an await, which lets other
 *   requests in). A raise is reserved before the counter is asked, a cut counted only once the
 *   counter took it, so the pool never counts less than a counter may hold. When the counter call
 *   fails, the change stays reserved (`pending`) until the pool has asked the counter what it holds.
 * - Budget: in each partner billing period (a window), the organizations together may consume at
 *   most the pool total (credits/budget.ts).
 */
export class CreditPool extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly config: PoolConfig;
  private readonly serial = new Serial();
  private readonly windows: Budget;
  /** The partner's tenant shard (its organizations), from the catalog before the first request. */
  private tenant!: TenantEnv;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    createPoolSchema(this.sql);
    this.config = new PoolConfig(this.sql);
    this.windows = new Budget(this.sql, () => this.settings());
    const partnerId = ctx.id.name ?? this.config.stored()?.partnerId;
    if (partnerId === undefined) return;
    ctx.blockConcurrencyWhile(async () => {
      const tenant = await partnerTenant(env, partnerId);
      if (!tenant) return;
      this.tenant = tenant;
      if (!this.config.stored()) await this.loadFromD1(partnerId);
    });
  }

  /** Starts from D1: the partner's settings and every organization's allocation. */
  private async loadFromD1(partnerId: string): Promise<void> {
    const source = await readPoolSource(this.tenant, partnerId);
    if (!source) return;
    this.ctx.storage.transactionSync(() => {
      this.config.write(source.settings, source.schedule ?? scheduleOf(ruleOf(source.settings)));
      for (const o of source.organizations) this.insertOrganization(o, 0);
    });
  }

  /**
   * Takes the partner's settings. A lower total (or a move to a pooled mode) that the allocations
   * do not fit is refused; a new billing rule takes over at the end of the running window.
   */
  configure(settings: PoolSettings): { ok: true; schedule: Schedule } | { ok: false; allocated: number } {
    return this.ctx.storage.transactionSync(() => {
      const stored = this.config.stored();
      const allocated = this.allocated(null);
      const tightened = !stored || settings.total < stored.total || settings.billingMode !== stored.billingMode;
      if (hasPool(settings.billingMode) && tightened && allocated > settings.total) return { ok: false, allocated };
      let schedule = stored?.schedule ?? scheduleOf(ruleOf(settings));
      const latest = schedule.rules[schedule.rules.length - 1]!;
      if (latest.period !== settings.billingPeriod || latest.dayOfMonth !== settings.billingDayOfMonth) {
        const running = scheduledPeriodAt(schedule, Date.now());
        schedule = changeSchedule(schedule, ruleOf(settings), running.end);
      }
      this.config.write(settings, schedule);
      return { ok: true, schedule };
    });
  }

  /** Reserves a new organization's first allocation (version 1), before it is written to D1. */
  register(organizationId: string, credits: number, tier: Tier): Promise<AllocationResult> {
    return this.serial.run(async () => {
      const refusal = await this.refusal(organizationId, credits, tier);
      if (refusal) return refusal;
      this.insertOrganization({ id: organizationId, allocation: credits, version: 1, tier }, Date.now());
      return { ok: true, balance: null, version: 1, allocationId: null };
    });
  }

  /** Drops a registration whose organization was not created after all. */
  unregister(organizationId: string): void {
    this.sql.exec("DELETE FROM organizations WHERE id = ? AND registered_at > 0", organizationId);
  }

  /**
   * Forgets a purged organization's allocation (it was lowered to what it used when the organization
   * was canceled). Its grants stay until their window ends: what it consumed still counts against
   * the partner's budget of the window.
   */
  forget(organizationId: string): Promise<void> {
    return this.serial.run(async () => {
      this.sql.exec("DELETE FROM organizations WHERE id = ?", organizationId);
    });
  }

  /**
   * Sets an organization's allocation: pool rules, then its counter, then D1. With `expected`, only
   * if the allocation still is that (a form posted twice changes it once).
   */
  setAllocation(
    organizationId: string,
    credits: number,
    note: string | null,
    expected?: number,
  ): Promise<AllocationResult> {
    return this.serial.run(async () => {
      const organization = await this.organization(organizationId);
      if (!organization) return { ok: false, reason: "unknown_organization" };
      if (expected !== undefined && organization.allocation !== expected) {
        return { ok: false, reason: "changed", expected, current: organization.allocation };
      }
      const refusal = await this.refusal(organizationId, credits, organization.tier);
      if (refusal) return refusal;
      return this.allocate(organization, credits, note);
    });
  }

  /**
   * Lowers a canceled organization's allocation to what it used this period, so the rest returns
   * to the pool. Hits charged meanwhile are absorbed by asking again with the higher figure.
   */
  release(organizationId: string, note: string): Promise<void> {
    return this.serial.run(async () => {
      const organization = await this.organization(organizationId);
      if (!organization) return;
      let used = (await counterFor(this.tenant, organizationId).balance()).used;
      for (let attempt = 0; attempt < 3 && used < organization.allocation; attempt++) {
        const result = await this.allocate(organization, used, note);
        if (result.ok || result.reason !== "below_used") return;
        used = result.used;
        organization.version += 1;
      }
    });
  }

  /** Moves an organization between trial and paid; a trial holds at most TRIAL_CREDIT_LIMIT. */
  setTier(organizationId: string, tier: Tier): Promise<AllocationResult> {
    return this.serial.run(async () => {
      const organization = await this.organization(organizationId);
      if (!organization) return { ok: false, reason: "unknown_organization" };
      if (tier === "trial" && organization.allocation > TRIAL_CREDIT_LIMIT) {
        return { ok: false, reason: "trial_limit", requested: organization.allocation, limit: TRIAL_CREDIT_LIMIT };
      }
      this.sql.exec("UPDATE organizations SET tier = ? WHERE id = ?", tier, organizationId);
      await this.tenant.DB.batch([setTierStatement(this.tenant.DB, organizationId, tier)]);
      return { ok: true, balance: null, version: organization.version, allocationId: null };
    });
  }

  /** Grants credits of the partner's budget to a counter, per window (credits/budget.ts). */
  lease(organizationId: string, asks: LeaseAsk[], headroom: number, reports: LeaseReport[]): LeaseWindow[] {
    return this.ctx.storage.transactionSync(() => this.windows.lease(organizationId, asks, headroom, reports));
  }

  /** Takes a counter's cumulative returns and uses per window; answers its grants (credits/budget.ts). */
  settle(organizationId: string, reports: LeaseReport[]): LeaseWindow[] {
    return this.ctx.storage.transactionSync(() => this.windows.settle(organizationId, reports));
  }

  /** The partner's budget in the window containing `at`: the total, and what is leased out of it. */
  budget(at: number = Date.now()): { periodStart: number; periodEnd: number; total: number; consumed: number } {
    return this.windows.budget(at);
  }

  /**
   * Takes `credits` as the organization's allocation: reserved here first when it is a raise, then
   * handed to the counter with the next version, then mirrored to D1.
   */
  private async allocate(
    organization: PoolOrganization,
    credits: number,
    note: string | null,
  ): Promise<AllocationResult> {
    const version = organization.version + 1;
    const reserved = Math.max(organization.allocation, credits);
    this.sql.exec(
      "UPDATE organizations SET allocation = ?, version = ?, pending = ? WHERE id = ?",
      reserved,
      version,
      version,
      organization.id,
    );
    let result;
    try {
      result = await counterFor(this.tenant, organization.id).setAllocation(credits, version, note);
    } catch (error) {
      // The counter may or may not have taken it (a lost answer): the pool asks it, or keeps it reserved.
      await this.settlePending(organization.id);
      throw error;
    }
    if (!result.ok) {
      this.sql.exec(
        "UPDATE organizations SET allocation = ?, pending = NULL WHERE id = ?",
        organization.allocation,
        organization.id,
      );
      return { ok: false, reason: "below_used", requested: credits, used: result.used };
    }
    this.sql.exec("UPDATE organizations SET allocation = ?, pending = NULL WHERE id = ?", credits, organization.id);
    const allocation = { partnerId: this.settings().partnerId, organizationId: organization.id, credits, version };
    const allocationId = newId("alloc");
    await this.tenant.DB.batch(mirrorAllocation(this.tenant.DB, allocation, { id: allocationId, note }));
    return { ok: true, balance: result.balance, version, allocationId };
  }

  /** What the pool rules say against `credits` for this organization, or null when it fits. */
  private async refusal(organizationId: string, credits: number, tier: Tier): Promise<AllocationRefusal | null> {
    if (tier === "trial" && credits > TRIAL_CREDIT_LIMIT) {
      return { ok: false, reason: "trial_limit", requested: credits, limit: TRIAL_CREDIT_LIMIT };
    }
    const settings = this.settings();
    if (settings.maxPerOrganization !== null && credits > settings.maxPerOrganization) {
      return { ok: false, reason: "partner_cap", requested: credits, limit: settings.maxPerOrganization };
    }
    if (!hasPool(settings.billingMode)) return null;
    if (this.allocated(organizationId) + credits <= settings.total) return null;
    // Changes whose counter call failed count what their counter holds once it is asked, and
    // registrations whose organization never reached D1 (a create that failed half-way) free their credits.
    if ((await this.settleAllPending()) || (await this.forgetAbandoned()))
      return this.refusal(organizationId, credits, tier);
    return {
      ok: false,
      reason: "insufficient",
      requested: credits,
      available: Math.max(0, settings.total - this.allocated(organizationId)),
    };
  }

  /**
   * Settles a change whose counter call failed: asks the counter what it holds (fencing the failed
   * version, so it cannot land later) and counts that. If the counter cannot answer either, the
   * change stays reserved until the next try. True when settled.
   */
  private async settlePending(organizationId: string): Promise<boolean> {
    const row = this.sql
      .exec<{ pending: number | null }>("SELECT pending FROM organizations WHERE id = ?", organizationId)
      .toArray()[0];
    if (row?.pending == null) return false;
    try {
      const held = await counterFor(this.tenant, organizationId).fenceAllocation(row.pending);
      this.sql.exec(
        "UPDATE organizations SET allocation = ?, version = max(version, ?), pending = NULL WHERE id = ? AND pending = ?",
        held.credits,
        held.version,
        organizationId,
        row.pending,
      );
      return true;
    } catch (error) {
      console.warn(`allocation of ${organizationId} still unsettled`, String(error));
      return false;
    }
  }

  /** Settles every change whose counter call failed; true when one was settled. */
  private async settleAllPending(): Promise<boolean> {
    const ids = this.sql
      .exec<{ id: string }>("SELECT id FROM organizations WHERE pending IS NOT NULL")
      .toArray()
      .map((r) => r.id);
    const settled = await Promise.all(ids.map((id) => this.settlePending(id)));
    return settled.some(Boolean);
  }

  /** Forgets registrations older than the grace that D1 does not have; true when it forgot one. */
  private async forgetAbandoned(): Promise<boolean> {
    const pending = this.sql
      .exec<{ id: string }>(
        "SELECT id FROM organizations WHERE registered_at > 0 AND registered_at < ?",
        Date.now() - REGISTRATION_GRACE_MS,
      )
      .toArray()
      .map((r) => r.id);
    if (pending.length === 0) return false;
    const existing = await existingOrganizations(this.tenant.DB, pending);
    for (const id of pending) {
      if (existing.has(id)) this.sql.exec("UPDATE organizations SET registered_at = 0 WHERE id = ?", id);
      else this.sql.exec("DELETE FROM organizations WHERE id = ?", id);
    }
    return pending.some((id) => !existing.has(id));
  }

  /** Allocations of the partner's organizations, except `exceptId`. */
  private allocated(exceptId: string | null): number {
    return this.sql
      .exec<{ n: number }>("SELECT coalesce(sum(allocation), 0) AS n FROM organizations WHERE id IS NOT ?", exceptId)
      .one().n;
  }

  /**
   * The organization as the pool keeps it (a change whose counter call failed settled first); one D1
   * has but the pool never saw is taken from D1.
   */
  private async organization(organizationId: string): Promise<PoolOrganization | null> {
    await this.settlePending(organizationId);
    const known = this.sql
      .exec<PoolOrganization>("SELECT id, allocation, version, tier FROM organizations WHERE id = ?", organizationId)
      .toArray()[0];
    if (known) return known;
    const found = await readPoolOrganization(this.tenant.DB, this.settings().partnerId, organizationId);
    if (!found) return null;
    this.insertOrganization(found, 0);
    return found;
  }

  private insertOrganization(o: PoolOrganization, registeredAt: number): void {
    this.sql.exec(
      "INSERT OR IGNORE INTO organizations (id, allocation, version, tier, registered_at) VALUES (?, ?, ?, ?, ?)",
      o.id,
      o.allocation,
      o.version,
      o.tier,
      registeredAt,
    );
  }

  /** The partner's settings; throws when the partner is not in D1 either. */
  private settings(): StoredSettings {
    const settings = this.config.stored();
    if (!settings) throw new Error(`credit pool ${this.ctx.id.name ?? this.ctx.id.toString()}: partner not found`);
    return settings;
  }
}

const ruleOf = (settings: PoolSettings) => ({
  period: settings.billingPeriod,
  dayOfMonth: settings.billingDayOfMonth,
  anchorMonth: settings.anchorMonth,
});
