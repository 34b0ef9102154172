import { describe, expect, it } from "vitest";
import {
  changeSchedule,
  defaultBillingDay,
  fitPeriod,
  pendingChangeAt,
  periodAt,
  scheduleOf,
  scheduledPeriodAt,
  type PeriodRule,
} from "../../worker/billing/period";

const utc = (y: number, m: number, d: number, h = 0, min = 0, s = 0, ms = 0) => Date.UTC(y, m - 1, d, h, min, s, ms);
const iso = (p: { start: number; end: number }) => [new Date(p.start).toISOString(), new Date(p.end).toISOString()];
const monthly = (dayOfMonth: number): PeriodRule => ({ period: "monthly", dayOfMonth, anchorMonth: 0 });

describe("billing period math", () => {
  it("starts a monthly period on the billing day at 00:00 UTC", () => {
    expect(iso(periodAt(monthly(15), utc(2026, 3, 20, 9)))).toEqual([
      "2026-03-15T00:00:00.000Z",
      "2026-04-15T00:00:00.000Z",
    ]);
  });

  it("puts a moment before the billing day in the previous month's period", () => {
    expect(iso(periodAt(monthly(15), utc(2026, 3, 14, 23, 59, 59, 999)))).toEqual([
      "2026-02-15T00:00:00.000Z",
      "2026-03-15T00:00:00.000Z",
    ]);
  });

  it("puts a clock exactly on the boundary in the new period", () => {
    expect(iso(periodAt(monthly(1), utc(2026, 5, 1)))).toEqual([
      "2026-05-01T00:00:00.000Z",
      "2026-06-01T00:00:00.000Z",
    ]);
  });

  it("crosses the year in January", () => {
    expect(iso(periodAt(monthly(28), utc(2027, 1, 3)))).toEqual([
      "2026-12-28T00:00:00.000Z",
      "2027-01-28T00:00:00.000Z",
    ]);
  });

  it("handles February in leap and common years with day 28", () => {
    expect(iso(periodAt(monthly(28), utc(2028, 2, 29, 12)))).toEqual([
      "2028-02-28T00:00:00.000Z",
      "2028-03-28T00:00:00.000Z",
    ]);
    expect(iso(periodAt(monthly(28), utc(2027, 3, 1)))).toEqual([
      "2027-02-28T00:00:00.000Z",
      "2027-03-28T00:00:00.000Z",
    ]);
  });

  it("anchors quarters on the account's month", () => {
    const rule: PeriodRule = { period: "quarterly", dayOfMonth: 10, anchorMonth: 1 }; // created in February
    expect(iso(periodAt(rule, utc(2026, 2, 10)))).toEqual(["2026-02-10T00:00:00.000Z", "2026-05-10T00:00:00.000Z"]);
    expect(iso(periodAt(rule, utc(2026, 5, 9)))).toEqual(["2026-02-10T00:00:00.000Z", "2026-05-10T00:00:00.000Z"]);
    expect(iso(periodAt(rule, utc(2026, 12, 31)))).toEqual(["2026-11-10T00:00:00.000Z", "2027-02-10T00:00:00.000Z"]);
    expect(iso(periodAt(rule, utc(2027, 1, 5)))).toEqual(["2026-11-10T00:00:00.000Z", "2027-02-10T00:00:00.000Z"]);
  });

  it("anchors years on the account's month and day", () => {
    const rule: PeriodRule = { period: "annually", dayOfMonth: 5, anchorMonth: 6 }; // July
    expect(iso(periodAt(rule, utc(2026, 7, 4)))).toEqual(["2025-07-05T00:00:00.000Z", "2026-07-05T00:00:00.000Z"]);
    expect(iso(periodAt(rule, utc(2026, 7, 5)))).toEqual(["2026-07-05T00:00:00.000Z", "2027-07-05T00:00:00.000Z"]);
  });

  it("covers an account created after its billing day with the period already under way", () => {
    // Created on the 20th with billing day 5: the first period began on the 5th.
    expect(iso(periodAt(monthly(5), utc(2026, 8, 20, 14)))).toEqual([
      "2026-08-05T00:00:00.000Z",
      "2026-09-05T00:00:00.000Z",
    ]);
  });

  it("defaults the billing day to the creation day, capped at 28", () => {
    expect(defaultBillingDay(utc(2026, 1, 31))).toBe(28);
    expect(defaultBillingDay(utc(2026, 1, 9))).toBe(9);
  });

  it("tiles time: every period ends where the next begins", () => {
    const rule: PeriodRule = { period: "quarterly", dayOfMonth: 28, anchorMonth: 10 };
    let at = utc(2025, 1, 1);
    for (let i = 0; i < 12; i++) {
      const p = periodAt(rule, at);
      expect(periodAt(rule, p.end).start).toBe(p.end);
      expect(periodAt(rule, p.end - 1).start).toBe(p.start);
      at = p.end;
    }
  });

  it("fits a changed rule's period after the running one, so periods never overlap", () => {
    // Billing day moved from the 1st to the 15th during the period Mar 1 – Apr 1.
    const rule = monthly(15);
    const running = { start: utc(2026, 3, 1), end: utc(2026, 4, 1) };
    expect(iso(fitPeriod(periodAt(rule, utc(2026, 4, 3)), running.end, null))).toEqual([
      "2026-04-01T00:00:00.000Z",
      "2026-04-15T00:00:00.000Z",
    ]);
    expect(iso(fitPeriod(periodAt(rule, utc(2026, 4, 20)), running.end, null))).toEqual([
      "2026-04-15T00:00:00.000Z",
      "2026-05-15T00:00:00.000Z",
    ]);
    // A later period already exists (a hit from the future): this one stops where it starts.
    expect(iso(fitPeriod(periodAt(rule, utc(2026, 4, 20)), null, utc(2026, 5, 1)))).toEqual([
      "2026-04-15T00:00:00.000Z",
      "2026-05-01T00:00:00.000Z",
    ]);
  });
});

describe("billing schedule changes", () => {
  const schedule = (day: number) => scheduleOf(monthly(day));
  const march = { start: utc(2026, 3, 1), end: utc(2026, 4, 1) };

  it("keeps the running period and opens a transitional period of at least a full month at its end", () => {
    const changed = changeSchedule(schedule(1), { period: "monthly", dayOfMonth: 15 }, march.end);
    expect(iso(scheduledPeriodAt(changed, utc(2026, 3, 20)))).toEqual([
      "2026-03-01T00:00:00.000Z",
      "2026-04-01T00:00:00.000Z",
    ]);
    expect(iso(scheduledPeriodAt(changed, utc(2026, 4, 20)))).toEqual([
      "2026-04-01T00:00:00.000Z",
      "2026-05-15T00:00:00.000Z",
    ]);
    expect(iso(scheduledPeriodAt(changed, utc(2026, 5, 15)))).toEqual([
      "2026-05-15T00:00:00.000Z",
      "2026-06-15T00:00:00.000Z",
    ]);
    expect(pendingChangeAt(changed, utc(2026, 3, 20))).toBe(march.end);
    expect(pendingChangeAt(changed, utc(2026, 4, 2))).toBeNull();
  });

  it("keeps one waiting change however often the day moves, and forgets it when the day moves back", () => {
    let s = schedule(1);
    for (const day of [2, 3, 4]) s = changeSchedule(s, { period: "monthly", dayOfMonth: day }, march.end);
    expect(s.rules).toHaveLength(2);
    expect(iso(scheduledPeriodAt(s, utc(2026, 4, 2, 12)))).toEqual([
      "2026-04-01T00:00:00.000Z",
      "2026-05-04T00:00:00.000Z",
    ]);
    expect(changeSchedule(s, { period: "monthly", dayOfMonth: 1 }, march.end)).toEqual(schedule(1));
  });

  it("never makes a period shorter than a full one, whatever the day and period chosen", () => {
    for (const period of ["monthly", "quarterly", "annually"] as const) {
      for (let day = 1; day <= 28; day++) {
        const s = changeSchedule(schedule(1), { period, dayOfMonth: day }, march.end);
        const transition = scheduledPeriodAt(s, march.end);
        const months = { monthly: 1, quarterly: 3, annually: 12 }[period];
        expect(transition.start).toBe(march.end);
        expect(transition.end).toBeGreaterThanOrEqual(Date.UTC(2026, 3 + months, 1));
        expect(scheduledPeriodAt(s, transition.end).start).toBe(transition.end);
        expect(scheduledPeriodAt(s, transition.end - 1).start).toBe(transition.start);
      }
    }
  });

  it("anchors a change to quarterly on the account's anchor month", () => {
    const s = changeSchedule(
      scheduleOf({ period: "monthly", dayOfMonth: 1, anchorMonth: 1 }),
      { period: "quarterly", dayOfMonth: 10 },
      march.end,
    );
    // Quarters start in Feb, May, Aug, Nov: the first boundary at least 3 months after Apr 1 is Aug 10.
    expect(iso(scheduledPeriodAt(s, utc(2026, 6, 1)))).toEqual([
      "2026-04-01T00:00:00.000Z",
      "2026-08-10T00:00:00.000Z",
    ]);
  });
});
