import { sendMail } from "../email/send";
import { isPermanentFailure } from "../email/transport";
import { sendJobs } from "../jobs/message";
import { isoSeconds } from "../lib/time";
import type { TenantEnv } from "../shards";
import { digestData, isEmpty } from "./content";
import {
  claimStatements,
  dueStatement,
  finishStatement,
  keyOf,
  leaseStatement,
  pruneStatement,
  recipientStatement,
  stalledStatement,
  type ClaimKey,
  type ClaimRow,
  type DueRow,
  type RecipientRow,
} from "./queries";
import { digestMail } from "./render";
import { latestOccurrence, nextOccurrence, periodLength } from "./schedule";
import type { DigestStatus } from "../../shared/digests";

/**
 * Sending digests exactly once per recipient and period, on at-least-once cron runs and queues:
 *
 * 1. The cron claims what is due (`claimDueDigests`): for a page of schedules due by its scheduled
 *    time, one D1 batch inserts a claim per recipient, keyed (organization, frequency, period end,
 *    recipient), and moves each schedule on, only while it still holds the due time that was read. A
 *    second run, or one racing it, claims nothing. A full page hands the rest to a `digests.due` job.
 * 2. A `digests.send` job per claim leases it (`sendDigest`): a second delivery of the job finds it
 *    held or settled and sends nothing. The content is read then; an empty period sends nothing.
 * 3. The cron queues again the claims a lost job left waiting (`maintainDigests`), as the e-mail
 *    notices do (worker/email/notice-job.ts).
 *
 * What this cannot cover: a job that dies after the mail server accepted the digest and before the
 * claim is marked sent; its lease runs out and the digest goes again.
 */

/** Schedules claimed per cron run or job. */
const DUE_PAGE = 50;
/** How long a job may take to send one digest before another may try. */
const LEASE_S = 120;
/** A digest whose sending fails this many times is given up on. */
export const DIGEST_MAX_ATTEMPTS = 5;
/** Claims waiting this long without a job lost theirs: the cron queues them again. */
export const DIGEST_STALL_MS = 15 * 60_000;
/** Settled claims are kept this long (a recipient's latest digest, and where its next period starts). */
export const DIGEST_RETENTION_MS = 30 * 24 * 3600_000;
const MAINTENANCE_BATCH = 100;

/** Claims the digests due by `dueBy` (unix seconds) and queues a job for each; continues in a job past one page. */
export async function claimDueDigests(tenant: TenantEnv, dueBy: number): Promise<void> {
  const db = tenant.DB;
  const { results } = await dueStatement(db, dueBy, DUE_PAGE).all<DueRow>();
  if (results.length === 0) return;
  const claims = results.map((row) => {
    const schedule = { hourUtc: row.hour_utc, weekday: row.weekday };
    const periodEnd = latestOccurrence(schedule, row.frequency, dueBy);
    return {
      row,
      periodEnd,
      earliestStart: periodEnd - periodLength(row.frequency),
      nextDue: nextOccurrence(schedule, row.frequency, dueBy),
    };
  });
  const [claimed] = await db.batch<Pick<ClaimRow, "organization_id" | "frequency" | "period_end" | "email">>(
    claimStatements(db, claims, isoSeconds()),
  );
  await sendJobs(tenant, [
    ...claimed!.results.map((row) => ({ type: "digests.send" as const, ...keyOf(row) })),
    ...(results.length === DUE_PAGE ? [{ type: "digests.due" as const, dueBy }] : []),
  ]);
}

/**
 * The job of one claim: sends the digest unless it is settled or held, the address is no longer a
 * recipient, the organization is canceled, the period is empty, or the recipient unsubscribed. A
 * failed send is retried by the queue (the job throws) up to DIGEST_MAX_ATTEMPTS; a permanent
 * refusal is not.
 */
export async function sendDigest(tenant: TenantEnv, key: ClaimKey): Promise<void> {
  const db = tenant.DB;
  const claim = await leaseStatement(db, key, Math.floor(Date.now() / 1000), LEASE_S).first<ClaimRow>();
  if (!claim) return;
  const finish = async (status: DigestStatus, reason: string | null) =>
    void (await finishStatement(db, key, status, reason, isoSeconds()).run());

  const recipient = await recipientStatement(db, key).first<RecipientRow>();
  if (!recipient) return finish("skipped", "no longer a recipient");
  const data = await digestData(tenant, {
    organizationId: key.organizationId,
    period: { start: claim.period_start, end: claim.period_end },
    segmentId: recipient.segment_id,
  });
  if (!data) return finish("skipped", "the organization is canceled");
  if (isEmpty(data)) return finish("skipped", "nothing new in the period");

  const outcome = await sendMail(tenant, {
    partnerId: data.partnerId,
    organizationId: key.organizationId,
    kind: "digest",
    to: key.email,
    content: digestMail(data, key.frequency),
  });
  if (outcome.status === "delivered") return finish("sent", null);
  if (outcome.status === "unsubscribed") return finish("skipped", "the recipient unsubscribed");
  const reason = outcome.error?.message ?? "failed";
  if (isPermanentFailure(outcome) || claim.attempts >= DIGEST_MAX_ATTEMPTS) return finish("failed", reason);
  await finish("pending", reason);
  throw new Error(`digest to a recipient of ${key.organizationId}: ${reason}`);
}

/**
 * Cron work of one shard: queues again the claims a lost job left waiting, and forgets settled
 * claims past the retention. Never throws.
 */
export async function maintainDigests(tenant: TenantEnv, now = Date.now()): Promise<void> {
  try {
    const db = tenant.DB;
    const [stalled] = await db.batch<Pick<ClaimRow, "organization_id" | "frequency" | "period_end" | "email">>([
      stalledStatement(db, isoSeconds(now - DIGEST_STALL_MS), Math.floor(now / 1000), MAINTENANCE_BATCH),
      pruneStatement(db, isoSeconds(now - DIGEST_RETENTION_MS), MAINTENANCE_BATCH * 5),
    ]);
    await sendJobs(
      tenant,
      stalled!.results.map((row) => ({ type: "digests.send" as const, ...keyOf(row) })),
    );
  } catch (error) {
    console.error("digest maintenance failed", error);
  }
}
