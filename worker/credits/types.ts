import type { BillingMode, BillingPeriod, Tier } from "../../shared/billing";
import type { LedgerEntry } from "./ledger";

/**
 * An organization's settings as its counter needs them, read from D1. Each part carries the
 * version it was written with, so a late or repeated write never undoes a newer one.
 */
export interface CounterConfig {
  organizationId: string;
  partnerId: string;
  billingMode: BillingMode;
  /** The billing rule last asked for; a change takes over at the end of the running period. */
  billingPeriod: BillingPeriod;
  billingDayOfMonth: number;
  anchorMonth: number;
  /** The allocation each period starts from (written by the partner's pool, `allocationVersion` ascending). */
  allocation: number;
  allocationVersion: number;
  /** Organization and partner active: a counter never charges anything else. */
  active: boolean;
  /** The operator's `maxIdentificationsPerOrg`: no period allows more. */
  maxPerPeriod: number | null;
  /** usage_based only: the operator lets an allocation of 0 mean "counted, not capped". */
  uncappedUsage: boolean;
  /** Version of the status and partner settings above (`organizations.sync_version`). */
  settingsVersion: number;
}

export interface ChargeRequest {
  /** The pixel's event id: a replayed id gets the first answer again and is never charged twice. */
  eventId: string;
  /** `company:<id>` / `person:<sha256>`, or null when nobody was identified. */
  identity: string | null;
  /** When the hit arrived (ms); decides the billing period. */
  at: number;
}

/** `disabled`: the organization (or its partner) is not active; nothing is charged. */
export type ChargeOutcomeReason =
  "charged" | "already_charged_this_period" | "no_credit" | "not_identified" | "disabled";

/**
 * Not decided: the organization has credits, but the partner's budget for the hit's window is leased
 * out to other organizations' counters, which give back what they do not use within seconds. The
 * counter remembers nothing; the caller asks again later (the consumer retries the batch: credits/charge.ts).
 */
export const BUDGET_BUSY = "budget_busy";

export interface ChargeOutcome<Reason extends string = ChargeOutcomeReason> {
  eventId: string;
  reason: Reason;
  periodStart: number;
  /** Credits used in that period after this charge. */
  used: number;
  /** The period's allocation; null when uncapped. */
  allocation: number | null;
  /** Credits left in that period after this charge, refunds and adjustments included; null when uncapped. */
  available: number | null;
}

export interface Balance {
  periodStart: number;
  periodEnd: number;
  allocation: number;
  used: number;
  available: number;
  /** Refunds and operator adjustments booked in the period (signed). */
  adjusted: number;
  /** When a billing rule change that waits for this period's end takes over; null when none waits. */
  scheduleChangeAt: number | null;
}

/** What the counter answers a charge: an outcome, or, for a hit to ask about again later, `budget_busy`. */
export type ChargeAnswer = ChargeOutcome | ChargeOutcome<typeof BUDGET_BUSY>;

export type SetAllocationResult = { ok: true; balance: Balance } | { ok: false; used: number };

export type AdjustResult =
  | { ok: true; entry: LedgerEntry; balance: Balance }
  | { ok: false; reason: "below_zero"; available: number }
  | { ok: false; reason: "not_charged" | "already_refunded" | "key_reused" };

/** A billing period as the counter stores it (Durable Object SQLite). */
export type PeriodRow = {
  start: number;
  end: number;
  allocation: number;
  used: number;
  adjusted: number;
  expired: number;
  closed_at: number | null;
};

/** An organization's allocation as its partner's pool keeps it. */
export type PoolOrganization = {
  id: string;
  allocation: number;
  version: number;
  tier: Tier;
};

/** The partner's settings as its pool needs them. */
export interface PoolSettings {
  partnerId: string;
  billingMode: BillingMode;
  total: number;
  maxPerOrganization: number | null;
  active: boolean;
  billingPeriod: BillingPeriod;
  billingDayOfMonth: number;
  anchorMonth: number;
}

/** Why the pool refused an allocation (each maps to one API error). */
export type AllocationRefusal =
  | { ok: false; reason: "insufficient"; requested: number; available: number }
  | { ok: false; reason: "trial_limit"; requested: number; limit: number }
  | { ok: false; reason: "partner_cap"; requested: number; limit: number }
  | { ok: false; reason: "below_used"; requested: number; used: number }
  /** The allocation is no longer the one the change was based on. */
  | { ok: false; reason: "changed"; expected: number; current: number }
  | { ok: false; reason: "unknown_organization" };

export type AllocationResult =
  { ok: true; balance: Balance | null; version: number; allocationId: string | null } | AllocationRefusal;

/** A window of the partner's budget (its billing period) and what an organization holds of it. */
export interface LeaseWindow {
  start: number;
  end: number;
  /** Credits granted to the organization in this window so far (cumulative). */
  granted: number;
  /** Nothing is left in the window and no other counter holds any of it unused: a refusal is final. */
  spent: boolean;
}

/** Credits a counter asks its pool for: the pool finds the window of `at`. */
export interface LeaseAsk {
  at: number;
  credits: number;
}

/** A counter's cumulative figures of a window, for its pool: credits given back and credits charged. */
export interface LeaseReport {
  start: number;
  returned: number;
  used: number;
}
