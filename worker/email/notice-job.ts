import type { EmailKey } from "../../shared/email";
import { sendJobs } from "../jobs/message";
import { isoSeconds } from "../lib/time";
import type { TenantEnv } from "../shards";
import { noticeContent } from "./notice-content";
import { effectiveEmailPreferences } from "../notices/preferences";
import { sendMail } from "./send";

/**
 * Sending the notices `notices.ts` queued: one JOBS job per notice holds a lease on its row, so two
 * deliveries of the job send it once. The preference is read when the job runs: turning a notice
 * off stops the ones not sent yet.
 */

/** A notice whose sending fails this many times (SMTP refusals, missing settings) is given up on. */
export const NOTICE_MAX_ATTEMPTS = 5;
/** How long a job may take to send one before another may try. */
const LEASE_MS = 2 * 60_000;
/** The cron queues again what waited this long without a job (one lost between the row and the queue). */
export const NOTICE_STALL_MS = 15 * 60_000;

interface NoticeRow {
  id: string;
  partner_id: string;
  organization_id: string;
  kind: EmailKey;
  data: string;
  attempts: number;
}

/**
 * The job: sends one notice, unless it was sent or given up on, another job holds it, the partner
 * turned the notice off, or there is nobody to send it to. A failed send is retried by the queue
 * (the job throws) until NOTICE_MAX_ATTEMPTS.
 */
export async function sendNotice(tenant: TenantEnv, noticeId: string): Promise<void> {
  const now = Date.now();
  const row = await tenant.DB.prepare(
    `UPDATE email_notices SET status = 'sending', lease_until = ?1, attempts = attempts + 1
     WHERE id = ?2 AND (status = 'pending' OR (status = 'sending' AND lease_until < ?3)) RETURNING *`,
  )
    .bind(isoSeconds(now + LEASE_MS), noticeId, isoSeconds(now))
    .first<NoticeRow>();
  if (!row) return;
  const finish = (status: "sent" | "skipped" | "failed" | "pending", reason: string | null) =>
    tenant.DB.prepare(
      `UPDATE email_notices SET status = ?, reason = ?, lease_until = NULL, sent_at = CASE WHEN ? = 'sent' THEN ? END
       WHERE id = ?`,
    )
      .bind(status, reason, status, isoSeconds(), noticeId)
      .run();

  const { preferences } = await effectiveEmailPreferences(tenant, row.partner_id, row.organization_id);
  if (!preferences[row.kind]) return void (await finish("skipped", "turned off in the e-mail preferences"));
  const content = await noticeContent(tenant, row.kind, row.organization_id, JSON.parse(row.data));
  if (!content) return void (await finish("skipped", "the organization no longer exists"));
  if (!content.to) return void (await finish("skipped", "the partner has no support e-mail address"));

  const outcome = await sendMail(tenant, {
    partnerId: row.partner_id,
    organizationId: row.organization_id,
    kind: row.kind,
    to: content.to,
    content: content.mail,
  });
  if (outcome.status === "delivered") return void (await finish("sent", null));
  if (outcome.status === "unsubscribed") return void (await finish("skipped", "the recipient unsubscribed"));
  const reason = outcome.error?.message ?? "failed";
  if (row.attempts >= NOTICE_MAX_ATTEMPTS) return void (await finish("failed", reason));
  await finish("pending", reason);
  throw new Error(`notice ${noticeId}: ${reason}`);
}

/** Cron: queues again the notices a lost job left waiting (at most 100 per shard and run). */
export async function resumeStalledNotices(tenant: TenantEnv, now = Date.now()): Promise<void> {
  const { results } = await tenant.DB.prepare(
    `SELECT id FROM email_notices
     WHERE status IN ('pending', 'sending') AND created_at < ?1 AND (lease_until IS NULL OR lease_until < ?2)
     LIMIT 100`,
  )
    .bind(isoSeconds(now - NOTICE_STALL_MS), isoSeconds(now))
    .all<{ id: string }>();
  await sendJobs(
    tenant,
    results.map(({ id }) => ({ type: "email.notice", noticeId: id })),
  );
}
