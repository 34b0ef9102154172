/**
 * When failed attempts are retried, in seconds after the first attempt (docs/partner-api.md#webhooks: roughly
 * 10 s, 1 min, 5 min, 30 min, 2 h, 8 h and 24 h). Eight attempts in all, then `failed`.
 */
export const RETRY_OFFSETS_S = [10, 60, 300, 1800, 7200, 28800, 86400] as const;

/** Queues accept delays up to 12 hours; longer waits are chained (the message comes back early and is sent on). */
export const MAX_QUEUE_DELAY_S = 12 * 3600;

/**
 * The next attempt after one that failed at `now`, or null when the schedule is over.
 * Time-based, so a late queue message does not shift the rest of the schedule.
 */
export function nextAttemptAt(firstAttemptAt: number, now: number): number | null {
  for (const offset of RETRY_OFFSETS_S) {
    const at = firstAttemptAt + offset * 1000;
    if (at > now) return at;
  }
  return null;
}

/** The queue delay that brings a message back at `at` (or as close as the queue allows). */
export function queueDelaySeconds(at: number, now: number): number {
  return Math.min(MAX_QUEUE_DELAY_S, Math.max(0, Math.ceil((at - now) / 1000)));
}
