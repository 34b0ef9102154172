import { describe, expect, it } from "vitest";
import { latestOccurrence, nextDue, nextOccurrence } from "../../worker/digests/schedule";

/** When digests are due: hours in UTC, weekdays in ISO 8601 (1 = Monday). */

const at = (iso: string) => Date.parse(iso) / 1000;
const iso = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString());
const schedule = { hourUtc: 7, weekday: 1 };

describe("digest schedules", () => {
  it("a daily digest is due at the hour, the same day after it has passed the next", () => {
    expect(iso(latestOccurrence(schedule, "daily", at("2026-03-05T06:59:59Z")))).toBe("2026-03-04T07:00:00.000Z");
    expect(iso(latestOccurrence(schedule, "daily", at("2026-03-05T07:00:00Z")))).toBe("2026-03-05T07:00:00.000Z");
    expect(iso(nextOccurrence(schedule, "daily", at("2026-03-05T07:00:00Z")))).toBe("2026-03-06T07:00:00.000Z");
    expect(iso(nextOccurrence({ hourUtc: 0, weekday: 1 }, "daily", at("2026-12-31T23:30:00Z")))).toBe(
      "2027-01-01T00:00:00.000Z",
    );
  });

  it("a weekly digest is due on its ISO weekday only (2026-03-02 is a Monday, 2026-03-08 a Sunday)", () => {
    expect(iso(nextOccurrence(schedule, "weekly", at("2026-03-04T12:00:00Z")))).toBe("2026-03-09T07:00:00.000Z");
    expect(iso(latestOccurrence(schedule, "weekly", at("2026-03-09T06:00:00Z")))).toBe("2026-03-02T07:00:00.000Z");
    expect(iso(latestOccurrence(schedule, "weekly", at("2026-03-02T07:00:00Z")))).toBe("2026-03-02T07:00:00.000Z");
    expect(iso(nextOccurrence({ hourUtc: 18, weekday: 7 }, "weekly", at("2026-03-04T12:00:00Z")))).toBe(
      "2026-03-08T18:00:00.000Z",
    );
    for (let weekday = 1; weekday <= 7; weekday++) {
      const next = nextOccurrence({ hourUtc: 9, weekday }, "weekly", at("2026-03-04T12:00:00Z"));
      expect(new Date(next * 1000).getUTCDay() || 7).toBe(weekday);
    }
  });

  it("saving keeps the due time when the schedule is unchanged, and moves a changed one at least half a period on", () => {
    const now = at("2026-03-05T08:00:00Z");
    const sent = { schedule, due: at("2026-03-06T07:00:00Z") };
    expect(iso(nextDue("daily", schedule, null, true, now))).toBe("2026-03-06T07:00:00.000Z");
    expect(nextDue("daily", schedule, null, false, now)).toBeNull();
    expect(iso(nextDue("daily", schedule, sent, true, now))).toBe("2026-03-06T07:00:00.000Z");
    // Moved from 07:00 to 09:00 at 08:00, an hour after today's digest: tomorrow at 09:00, not in an hour.
    expect(iso(nextDue("daily", { ...schedule, hourUtc: 9 }, sent, true, now))).toBe("2026-03-06T09:00:00.000Z");
    // Moved to 23:00: later today, 16 hours after the last one.
    expect(iso(nextDue("daily", { ...schedule, hourUtc: 23 }, sent, true, now))).toBe("2026-03-05T23:00:00.000Z");
    // A digest due but not yet claimed is not skipped by a save that keeps the schedule.
    const waiting = { schedule, due: at("2026-03-05T07:00:00Z") };
    expect(iso(nextDue("daily", schedule, waiting, true, at("2026-03-05T07:05:00Z")))).toBe("2026-03-05T07:00:00.000Z");
    // A weekly digest moved from Monday to Tuesday the day after it went: next week's Tuesday.
    const weekly = { schedule, due: at("2026-03-09T07:00:00Z") };
    expect(iso(nextDue("weekly", { hourUtc: 7, weekday: 2 }, weekly, true, at("2026-03-02T12:00:00Z")))).toBe(
      "2026-03-10T07:00:00.000Z",
    );
  });
});
