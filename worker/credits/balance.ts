import type { BillingMode } from "../../shared/billing";
import type { Balance, ChargeAnswer, ChargeOutcome, PeriodRow } from "./types";

/** The ledger's running balance: allocation − debits + refunds/adjustments − expired. */
export function ledgerBalanceOf(period: PeriodRow): number {
  return period.allocation - period.used + period.adjusted - period.expired;
}

export function availableOf(period: PeriodRow): number {
  return Math.max(0, ledgerBalanceOf(period));
}

export function balanceOf(period: PeriodRow, scheduleChangeAt: number | null = null): Balance {
  return {
    periodStart: period.start,
    periodEnd: period.end,
    allocation: period.allocation,
    used: period.used,
    available: availableOf(period),
    adjusted: period.adjusted,
    scheduleChangeAt,
  };
}

/** What a period's limit depends on. */
export interface LimitSettings {
  billingMode: BillingMode;
  allocation: number;
  maxPerPeriod: number | null;
  uncappedUsage: boolean;
}

/**
 * How many credits a period allows; null when it is not capped. The operator's per-organization
 * maximum always applies. A usage_based allocation of 0 means "up to that maximum"; without one,
 * it means uncapped only when the operator allowed it (`uncappedUsage`), else nothing.
 */
export function periodLimit(settings: LimitSettings): number | null {
  const max = settings.maxPerPeriod;
  if (settings.billingMode === "usage_based" && settings.allocation === 0) {
    return max ?? (settings.uncappedUsage ? null : 0);
  }
  return max === null ? settings.allocation : Math.min(settings.allocation, max);
}

/** A charge's answer: the period as the charge found or left it, without amounts when it is uncapped. */
export function outcomeOf<Reason extends ChargeAnswer["reason"]>(
  eventId: string,
  reason: Reason,
  period: PeriodRow,
  settings: LimitSettings,
): ChargeOutcome<Reason> {
  const uncapped = periodLimit(settings) === null;
  return {
    eventId,
    reason,
    periodStart: period.start,
    used: period.used,
    allocation: uncapped ? null : period.allocation,
    available: uncapped ? null : availableOf(period),
  };
}
