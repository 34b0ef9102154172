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

/** A billing rule and the moment it takes over; the first rule of a schedule has `from: 0`. */
export interface ScheduledRule {
  from: number;
  period: BillingPeriod;
  dayOfMonth: number;
}

/**
 * An account's billing periods over time: the rule it started with, then each change, which takes
 * over at the end of the period running when it was made.
 */
export interface Schedule {
  anchorMonth: number;
  rules: ScheduledRule[];
}

export const scheduleOf = (rule: PeriodRule): Schedule => ({
  anchorMonth: rule.anchorMonth,
  rules: [{ from: 0, period: rule.period, dayOfMonth: rule.dayOfMonth }],
});

/** The rule in force at `at`, and where it took over. */
function ruleAt(schedule: Schedule, at: number): { rule: PeriodRule; from: number; until: number | null } {
  const index = schedule.rules.findLastIndex((r, i) => i === 0 || r.from <= at);
  const { from, period, dayOfMonth } = schedule.rules[index]!;
  return {
    rule: { period, dayOfMonth, anchorMonth: schedule.anchorMonth },
    from,
    until: schedule.rules[index + 1]?.from ?? null,
  };
}

/**
 * The period containing `at` under a schedule. A rule that takes over at `from` first runs one
 * transitional period from `from` to its first boundary at least one full period later, so a
 * change never opens a period shorter than a full one (each period starts from the full allocation).
 */
export function scheduledPeriodAt(schedule: Schedule, at: number): Period {
  const { rule, from, until } = ruleAt(schedule, at);
  let period = periodAt(rule, at);
  if (from > 0) {
    const transitionEnd = firstBoundaryFrom(rule, addMonths(from, MONTHS[rule.period]));
    if (at < transitionEnd) period = { start: from, end: transitionEnd };
  }
  // A later rule takes over at a boundary of this one; the clip only guards against a schedule written otherwise.
  return until !== null && until < period.end ? { start: period.start, end: until } : period;
}

/**
 * The schedule after the account asks for `rule` while the period ending at `boundary` runs:
 * a change still waiting is replaced, and the new rule takes over at `boundary` unless it is the
 * one already running then. At most one change waits at a time.
 */
export function changeSchedule(schedule: Schedule, rule: Omit<PeriodRule, "anchorMonth">, boundary: number): Schedule {
  const rules = schedule.rules.filter((r, i) => i === 0 || r.from < boundary);
  const running = rules[rules.length - 1]!;
  if (running.period === rule.period && running.dayOfMonth === rule.dayOfMonth) return { ...schedule, rules };
  return { ...schedule, rules: [...rules, { from: boundary, period: rule.period, dayOfMonth: rule.dayOfMonth }] };
}

/** When a change that waits for the running period's end takes over, or null when none waits. */
export function pendingChangeAt(schedule: Schedule, now: number): number | null {
  const last = schedule.rules[schedule.rules.length - 1]!;
  return schedule.rules.length > 1 && last.from > now ? last.from : null;
}

/** The first boundary of `rule` at or after `at`. */
function firstBoundaryFrom(rule: PeriodRule, at: number): number {
  const period = periodAt(rule, at);
  return period.start === at ? at : period.end;
}

/** The same day and time `months` later (billing days are at most 28, so the day always exists). */
function addMonths(at: number, months: number): number {
  const d = new Date(at);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
}
