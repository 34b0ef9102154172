/**
 * Workers Rate Limiting windows are aligned to the clock (a 60 s window starts on the minute, also
 * in the local simulation): a test that must see one window whole waits when too little is left.
 */
export async function awayFromWindowEdge(periodSeconds = 60, needSeconds = 20) {
  const left = periodSeconds * 1000 - (Date.now() % (periodSeconds * 1000));
  if (left < needSeconds * 1000) await untilPast(Date.now() + left);
}

/**
 * Waits by the clock until `at` (ms since the epoch) is over, for what only time brings: an expiry,
 * a later second. Anything that happens by itself (a consumer, an alarm, a delivery) is waited for
 * on its condition instead (`vi.waitFor`, `waitForReceipts`).
 */
export async function untilPast(at: number) {
  const left = at - Date.now();
  if (left >= 0) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

/** Waits until the clock shows a later whole second than now (times stored in seconds then differ). */
export const untilNextSecond = () => untilPast(Math.floor(Date.now() / 1000) * 1000 + 999);
