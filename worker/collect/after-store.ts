import { alertWrites, candidatesAmong, queueAlerts, segmentVisitors, type FactsByVisitor } from "../alerts/fire";
import type { AlertState } from "../alerts/rules";
import type { SegmentFacts } from "../alerts/segment-match";
import type { StoredPlan } from "../alerts/signals";
import {
  PATHS_PER_VISITOR,
  runInBatches,
  scoreVisitors,
  UPDATES_PER_BATCH,
  type ScoredVisitor,
  type Scoring,
  type VisitorRef,
} from "../icp/rescore";
import type { TenantEnv } from "../shards";
import type { Recipients } from "../webhooks/recipients";

/**
 * What follows a stored batch: the ICP scores of the visitors it touched, and the alerts it fires (a
 * segment may ask for the ICP match of a visitor this batch identified). One read of the visitors'
 * facts serves both, and one batch writes the scores that changed with the alerts' cooldowns and
 * deliveries; then the notifications are queued. So alerts add no D1 round trip to a batch whose
 * organization scores its visitors, and none at all to a batch that fires nothing.
 *
 * Never throws: the hits are stored already. A score missed is repaired by the visitor's next hit or
 * the next config change; an alert missed is not sent.
 */
export async function scoreAndAlert(
  env: TenantEnv,
  touched: VisitorRef[],
  scoring: Scoring,
  stored: readonly StoredPlan[],
  alerts: AlertState,
  recipients: Recipients,
): Promise<void> {
  try {
    const candidates = candidatesAmong(stored, alerts);
    const scored = await scoreVisitors(env.DB, touched, scoring, segmentVisitors(candidates));
    const writes = await alertWrites(env.DB, candidates, segmentFactsOf(scored.visitors));
    const first = [...(writes?.statements ?? []), ...scored.writes.slice(0, UPDATES_PER_BATCH)];
    const results = first.length > 0 ? await env.DB.batch(first) : [];
    await runInBatches(env.DB, scored.writes.slice(UPDATES_PER_BATCH));
    if (writes) await queueAlerts(env, writes, results[2]!, recipients);
  } catch (error) {
    console.error("ICP scores or alerts of a stored batch failed", error);
  }
}

/**
 * What segments look at, from what scoring read: the new ICP result, and the paths when they are all
 * the visitor's (scoring reads the most viewed ones, up to its limit; a visitor at the limit is read
 * again by the alerts).
 */
function segmentFactsOf(visitors: Map<string, ScoredVisitor>): FactsByVisitor {
  const facts = new Map<string, SegmentFacts>();
  for (const [key, { row, result }] of visitors) {
    const paths = JSON.parse(row.paths) as string[];
    if (paths.length >= PATHS_PER_VISITOR) continue;
    facts.set(key, {
      name: row.name,
      domain: row.domain,
      industry: row.industry,
      employeeRange: row.employee_range,
      country: row.hq_country ?? row.country,
      icpMatched: result ? result.matched : row.icp_matched === 1,
      icpScore: result ? result.score : row.icp_score,
      paths,
    });
  }
  return facts;
}
