import type { Balance, PeriodRow } from "./types";

/** The ledger's running balance: allocation − debits + refunds/adjustments − expired. */
export function ledgerBalanceOf(period: PeriodRow): number {
  return period.allocation - period.used + period.adjusted - period.expired;
}

export function availableOf(period: PeriodRow): number {
  return Math.max(0, ledgerBalanceOf(period));
}

export function balanceOf(period: PeriodRow): Balance {
  return {
    periodStart: period.start,
    periodEnd: period.end,
    allocation: period.allocation,
    used: period.used,
    available: availableOf(period),
    adjusted: period.adjusted,
  };
}
