import type { DigestFrequency } from "../../shared/digests";

/**
 * When digests are due. A schedule is an hour of the day (UTC) and, for weekly digests, a weekday
 * (ISO 8601: 1 = Monday … 7 = Sunday). Times are unix seconds, as the visitor tables store them.
 */
export interface Schedule {
  hourUtc: number;
  weekday: number;
}

const HOUR = 3600;
const DAY = 24 * HOUR;

/** How long a period of each frequency is, at most: a digest never covers more. */
export const periodLength = (frequency: DigestFrequency) => (frequency === "daily" ? DAY : 7 * DAY);

/** The ISO weekday of a time: 1970-01-01 was a Thursday (4). */
const weekdayOf = (at: number) => ((Math.floor(at / DAY) + 3) % 7) + 1;

/** The latest time the schedule fires at or before `at`. */
export function latestOccurrence(schedule: Schedule, frequency: DigestFrequency, at: number): number {
  let time = Math.floor(at / DAY) * DAY + schedule.hourUtc * HOUR;
  if (frequency === "weekly") time -= ((weekdayOf(at) - schedule.weekday + 7) % 7) * DAY;
  return time <= at ? time : time - periodLength(frequency);
}

/** The first time the schedule fires after `at` (strictly). */
export const nextOccurrence = (schedule: Schedule, frequency: DigestFrequency, after: number) =>
  latestOccurrence(schedule, frequency, after) + periodLength(frequency);

/**
 * When the next digest of a frequency is due after the settings are saved at `now`: none without a
 * recipient of that frequency; the one already due when the schedule did not change (adding a
 * recipient never moves or skips a digest); else the first time the new schedule fires after now
 * that is at least half a period after the previous digest, so moving the hour from 7:00 to 9:00
 * at 8:00 sends the next one tomorrow at 9:00, not a two-hour digest today.
 */
export function nextDue(
  frequency: DigestFrequency,
  schedule: Schedule,
  before: { schedule: Schedule; due: number | null } | null,
  hasRecipients: boolean,
  now: number,
): number | null {
  if (!hasRecipients) return null;
  if (!before || before.due === null) return nextOccurrence(schedule, frequency, now);
  const unchanged =
    before.schedule.hourUtc === schedule.hourUtc &&
    (frequency === "daily" || before.schedule.weekday === schedule.weekday);
  if (unchanged) return before.due;
  const previous = before.due - periodLength(frequency);
  return nextOccurrence(schedule, frequency, Math.max(now, previous + periodLength(frequency) / 2));
}
