import type { BillingMode, BillingPeriod } from "../../shared/billing";
import type { LedgerEntry } from "./ledger";

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
}

export type SetAllocationResult = { ok: true; balance: Balance } | { ok: false; used: number };

export type AdjustResult =
  | { ok: true; entry: LedgerEntry; balance: Balance }
  | { ok: false; reason: "below_zero"; available: number }
  | { ok: false; reason: "not_charged" | "already_refunded" };

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
