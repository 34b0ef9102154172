import type { DigestFrequency } from "../../shared/digests";
import type { Shard, TenantEnv } from "../shards";

/**
 * Background work on the `sightline-jobs` queue (binding `JOBS`): anything too big for a
 * request. Delivery is at-least-once, so every job is safe to run twice.
 */
export type Job =
  | RescoreIcpJob
  | SyncOrganizationsJob
  | SyncBatchJob
  | SweepPixelsJob
  | RenewPeriodsJob
  | RenewBatchJob
  | ErasePersonJob
  | PurgeOrganizationJob
  | SendNoticeJob
  | ClaimDueDigestsJob
  | SendDigestJob;

/** A job as queued: every job works inside one tenant shard. */
export type JobMessage = Job & { shard: Shard };

/** Re-score one page of an organization's visitors after its ICP configs changed; re-enqueues itself for the next page. */
export interface RescoreIcpJob {
  type: "icp.rescore";
  organizationId: string;
  /** The config generation this pass scores for; a newer generation makes the job stop. */
  generation: number;
  /** Cursor: the page starts after this visitor identity key (null = from the first visitor). */
  after: string | null;
}

/**
 * Fan-out: one page of organizations whose copies (counter settings, KV pixel record) are behind
 * D1, of one partner or of all, split into `organizations.sync-batch` jobs; re-enqueues itself for the next page.
 */
export interface SyncOrganizationsJob {
  type: "organizations.sync";
  partnerId: string | null;
  /** Cursor: the page starts after this organization id (null = from the first). */
  after: string | null;
}

/** Bring these organizations' counters and KV pixel records up to D1. */
export interface SyncBatchJob {
  type: "organizations.sync-batch";
  organizationIds: string[];
}

/** Compare the next page of KV pixel records with D1 and rewrite those that differ (cursor kept in D1). */
export interface SweepPixelsJob {
  type: "pixels.sweep";
}

/** Fan-out: one page of organizations whose billing period ended by `endedBy`, split into `billing.renew-batch` jobs. */
export interface RenewPeriodsJob {
  type: "billing.renew";
  endedBy: string;
  /** Cursor: the page starts after this (period end, organization id); null = from the first. */
  after: [string, string] | null;
}

/** Close these organizations' ended periods and open the next. */
export interface RenewBatchJob {
  type: "billing.renew-batch";
  organizationIds: string[];
}

/** The next page of organizations of a person's erasure (its cursor is in D1); re-enqueues itself until done. */
export interface ErasePersonJob {
  type: "people.erase";
  erasureId: string;
}

/** The next rows of an organization's purge (its progress is in D1, `purges`); re-enqueues itself until done. */
export interface PurgeOrganizationJob {
  type: "organizations.purge";
  organizationId: string;
}

/** Send one e-mail notice (worker/notices/queue.ts); its row holds what it says and whether it went out. */
export interface SendNoticeJob {
  type: "email.notice";
  noticeId: string;
}

/** Claim the next page of digests due by `dueBy` (unix seconds; worker/digests/job.ts), past the cron's first page. */
export interface ClaimDueDigestsJob {
  type: "digests.due";
  dueBy: number;
}

/** Send one recipient's digest of one period; its claim row says whether it went out. */
export interface SendDigestJob {
  type: "digests.send";
  organizationId: string;
  frequency: DigestFrequency;
  /** Unix seconds. */
  periodEnd: number;
  email: string;
}

/** Name of the jobs queue in wrangler.toml; the Worker's queue() handler routes on it. */
export const JOBS_QUEUE = "sightline-jobs";

/** Sends jobs of the tenant's shard in as few calls as the queue allows (100 messages per `sendBatch`). */
export async function sendJobs(tenant: TenantEnv, jobs: Job[], options: QueueSendOptions = {}): Promise<void> {
  const messages = jobs.map((job) => ({ body: { ...job, shard: tenant.SHARD }, ...options }));
  for (let i = 0; i < messages.length; i += 100) await tenant.JOBS.sendBatch(messages.slice(i, i + 100));
}
