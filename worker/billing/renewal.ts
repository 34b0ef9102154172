import { CLOSE_GRACE_MS } from "../credits/counter";
import { counterFor } from "../credits/counter-client";
import type { Env } from "../env";
import { isoSeconds } from "../lib/time";

/** Organizations renewed per cron run; the rest follow on the next run (or lazily on their next hit). */
const PER_RUN = 500;
/** Counters called at once (a Worker keeps at most 6 subrequests open). */
const PARALLEL = 6;

/**
 * Cron Trigger: tells the counter of every organization whose period ended to close it
 * (unused credits expire) and open the next one. The counter decides from its own clock and
 * state, so running this twice, or after a counter already closed lazily, changes nothing.
 * Organizations with no period snapshot yet (never mirrored) are included so they get one.
 */
export async function renewDuePeriods(env: Env, now = Date.now()): Promise<string[]> {
  const { results } = await env.DB.prepare(
    `SELECT o.id FROM organizations o LEFT JOIN organization_periods p ON p.organization_id = o.id
     WHERE p.organization_id IS NULL OR p.current_period_end <= ? ORDER BY p.current_period_end LIMIT ?`,
  )
    .bind(isoSeconds(now - CLOSE_GRACE_MS), PER_RUN)
    .all<{ id: string }>();
  const ids = results.map((r) => r.id);
  for (let i = 0; i < ids.length; i += PARALLEL) {
    const settled = await Promise.allSettled(ids.slice(i, i + PARALLEL).map((id) => counterFor(env, id).renew()));
    for (const s of settled) if (s.status === "rejected") console.error("period renewal failed", String(s.reason));
  }
  return ids;
}
