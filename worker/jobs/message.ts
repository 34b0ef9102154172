/**
 * Background work on the `sightline-jobs` queue (binding `JOBS`): anything too big for a
 * request. Delivery is at-least-once, so every job is safe to run twice.
 */
export type JobMessage = RescoreIcpJob;

/** Re-score one page of an organization's visitors after its ICP configs changed; re-enqueues itself for the next page. */
export interface RescoreIcpJob {
  type: "icp.rescore";
  organizationId: string;
  /** The config generation this pass scores for; a newer generation makes the job stop. */
  generation: number;
  /** Cursor: the page starts after this visitor identity key (null = from the first visitor). */
  after: string | null;
}

/** Name of the jobs queue in wrangler.toml; the Worker's queue() handler routes on it. */
export const JOBS_QUEUE = "sightline-jobs";
