import { CLOSE_GRACE_MS } from "./periods";
import { counterFor } from "./counter-client";
import type { TenantEnv } from "../shards";
import { sendJobs, type RenewPeriodsJob } from "../jobs/message";
import { isoSeconds } from "../lib/time";

/** Organizations per `billing.renew-batch` job (one counter call each). */
const RENEW_BATCH = 50;
/** Organizations read per page of the fan-out. */
const PAGE = 1_000;
/** Counters called at once. */
const PARALLEL = 6;

/**
 * Cron Trigger: starts the renewal of every organization whose period ended (at least the close
 * grace ago), through the JOBS queue: a fan-out job pages through them and hands out batches, so
 * no cron run or request renews them one by one. Repeating it changes nothing.
 */
export async function renewDuePeriods(env: TenantEnv, now = Date.now()): Promise<void> {
  await sendJobs(env, [{ type: "billing.renew", endedBy: isoSeconds(now - CLOSE_GRACE_MS), after: null }]);
}

/** One page of the fan-out: batches of organizations whose period ended, and the next page. */
export async function fanOutRenewal(env: TenantEnv, job: RenewPeriodsJob): Promise<void> {
  const { results } = await env.DB.prepare(
    `SELECT organization_id, current_period_end FROM organization_periods
     WHERE current_period_end <= ?1 AND (?2 IS NULL OR (current_period_end, organization_id) > (?2, ?3))
     ORDER BY current_period_end, organization_id LIMIT ?4`,
  )
    .bind(job.endedBy, job.after?.[0] ?? null, job.after?.[1] ?? null, PAGE)
    .all<{ organization_id: string; current_period_end: string }>();
  const jobs = [];
  for (let i = 0; i < results.length; i += RENEW_BATCH) {
    const organizationIds = results.slice(i, i + RENEW_BATCH).map((r) => r.organization_id);
    jobs.push({ type: "billing.renew-batch" as const, organizationIds });
  }
  const last = results[results.length - 1];
  if (last && results.length === PAGE)
    jobs.push({ ...job, after: [last.current_period_end, last.organization_id] as [string, string] });
  await sendJobs(env, jobs);
}

/**
 * Tells each counter to close its ended periods (unused credits expire) and open the next. The
 * counter decides from its own clock and state, so running this twice, or after a counter already
 * closed lazily, changes nothing. A counter that fails is left to the next run (or to its next hit).
 */
export async function renewCounters(env: TenantEnv, organizationIds: string[]): Promise<void> {
  for (let i = 0; i < organizationIds.length; i += PARALLEL) {
    const settled = await Promise.allSettled(
      organizationIds.slice(i, i + PARALLEL).map((id) => counterFor(env, id).renew()),
    );
    for (const s of settled) if (s.status === "rejected") console.error("period renewal failed", String(s.reason));
  }
}
