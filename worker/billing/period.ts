import type { BillingPeriod } from "../../shared/billing";

const MONTHS: Record<BillingPeriod, number> = { monthly: 1, quarterly: 3, annually: 12 };

export interface PeriodRule {
  period: BillingPeriod;
  /** Day of month the period starts on, 1–28, so every month has it. */
  dayOfMonth: number;
  /** UTC month (0–11) a quarterly or annual cycle is anchored on: the month the account was created. */
  anchorMonth: number;
}

export interface Period {
  /** Inclusive start, ms since epoch (00:00 UTC on the billing day). */
  start: number;
  /** Exclusive end: the next period's start. */
  end: number;
}

/** The billing period containing `at`. Pure: all period boundaries in the product come from here. */
export function periodAt(rule: PeriodRule, at: number): Period {
  const n = MONTHS[rule.period];
  const date = new Date(at);
  const year = date.getUTCFullYear();
  let month = date.getUTCMonth();
  // Before this month's billing day, the period started in an earlier month.
  if (at < Date.UTC(year, month, rule.dayOfMonth)) month -= 1;
  // Step back to a month of the cycle (anchorMonth, anchorMonth ± n, …).
  month -= (((month - rule.anchorMonth) % n) + n) % n;
  // Date.UTC normalises out-of-range months (-1 → December of the previous year).
  return { start: Date.UTC(year, month, rule.dayOfMonth), end: Date.UTC(year, month + n, rule.dayOfMonth) };
}

/** Default billing day for an account created at `at`: its day of month, capped at 28. */
export function defaultBillingDay(at: number): number {
  return Math.min(new Date(at).getUTCDate(), 28);
}

/**
 * Fits a rule's period between periods that already exist, so periods never overlap: after a
 * billing rule change the running period keeps its end and the next one starts there.
 * `previousEnd`: latest end at or before the moment; `nextStart`: earliest start after it.
 */
export function fitPeriod(period: Period, previousEnd: number | null, nextStart: number | null): Period {
  return {
    start: previousEnd !== null && previousEnd > period.start ? previousEnd : period.start,
    end: nextStart !== null && nextStart < period.end ? nextStart : period.end,
  };
}
