import type { BillingMode } from "../../shared/billing";
import type { Balance, PeriodRow } from "./types";

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

/**
 * How many credits a period allows; null when it is not capped. The operator's per-organization
 * maximum always applies. A usage_based allocation of 0 means "up to that maximum"; without one,
 * it means uncapped only when the operator allowed it (`uncappedUsage`), else nothing.
 */
export function periodLimit(settings: {
  billingMode: BillingMode;
  allocation: number;
  maxPerPeriod: number | null;
  uncappedUsage: boolean;
}): number | null {
  const max = settings.maxPerPeriod;
  if (settings.billingMode === "usage_based" && settings.allocation === 0) {
    return max ?? (settings.uncappedUsage ? null : 0);
  }
  return max === null ? settings.allocation : Math.min(settings.allocation, max);
}
