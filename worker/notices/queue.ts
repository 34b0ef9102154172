import type { EmailKey } from "../../shared/email";
import { DEFAULT_LOW_CREDIT_PERCENT } from "../../shared/webhooks";
import { sha256Hex } from "../lib/crypto";
import { isoSeconds } from "../lib/time";
import { sendJobs } from "../jobs/message";
import type { TenantEnv } from "../shards";
import type { NoticeData } from "./data";
import { resolvePreferences } from "./preferences";

/**
 * The notices e-mail preferences govern (docs/partner-api.md#email-preferences): what happened to
 * an organization, mailed to the partner's support address. Queued where it happens (the hits
 * consumer, a period's close, a status change) as a row whose id derives from the cause, so a
 * replayed cause queues nothing new; sent by a JOBS job (`worker/email/notice-job.ts`). This half is what the
 * hot paths load: no mailer, no templates.
 */
export interface Notice<K extends EmailKey = EmailKey> {
  partnerId: string;
  organizationId: string;
  kind: K;
  /** What caused it, unique for this kind: the same cause never makes a second notice. */
  cause: string;
  data: NoticeData[K];
}

const noticeId = async (kind: EmailKey, cause: string) => `ntc_${(await sha256Hex(`${kind}|${cause}`)).slice(0, 32)}`;

/**
 * The notices someone would get: the partner has a support address and, for this organization,
 * has not turned the key off. The others are not recorded at all (a partner with thousands of
 * organizations and no address must not fill a table and the queue every period); the job checks
 * again before sending, for a change made in between.
 */
async function wanted(tenant: TenantEnv, notices: Notice[]): Promise<Notice[]> {
  const ids = (values: string[]) => JSON.stringify([...new Set(values)]);
  const partners = await tenant.CATALOG.prepare(
    `SELECT id, email_preferences FROM partners
     WHERE id IN (SELECT value FROM json_each(?)) AND support_email IS NOT NULL AND support_email != ''`,
  )
    .bind(ids(notices.map((n) => n.partnerId)))
    .all<{ id: string; email_preferences: string }>();
  const preferences = new Map(partners.results.map((p) => [p.id, p.email_preferences]));
  const addressed = notices.filter((notice) => preferences.has(notice.partnerId));
  if (addressed.length === 0) return [];
  const overrides = await tenant.DB.prepare(
    `SELECT organization_id, overrides FROM organization_email_preferences
     WHERE organization_id IN (SELECT value FROM json_each(?))`,
  )
    .bind(ids(addressed.map((n) => n.organizationId)))
    .all<{ organization_id: string; overrides: string }>();
  const overridden = new Map(overrides.results.map((o) => [o.organization_id, o.overrides]));
  return addressed.filter(
    (notice) =>
      resolvePreferences(preferences.get(notice.partnerId), overridden.get(notice.organizationId))[notice.kind],
  );
}

/** Records the notices someone would get, and queues a job for each new one. */
export async function queueNotices(tenant: TenantEnv, all: Notice[]): Promise<void> {
  if (all.length === 0) return;
  const notices = await wanted(tenant, all);
  if (notices.length === 0) return;
  const ids = await Promise.all(notices.map((n) => noticeId(n.kind, n.cause)));
  const now = isoSeconds();
  const results = await tenant.DB.batch(
    notices.map((n, i) =>
      tenant.DB.prepare(
        `INSERT OR IGNORE INTO email_notices (id, partner_id, organization_id, kind, data, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ).bind(ids[i], n.partnerId, n.organizationId, n.kind, JSON.stringify(n.data), now),
    ),
  );
  const queued = ids.filter((_, i) => results[i]!.meta.changes > 0);
  await sendJobs(
    tenant,
    queued.map((noticeId) => ({ type: "email.notice", noticeId })),
  );
}

/** What a notice reads of a charged hit (the hits consumer's charged hits have it). */
export interface ChargeFacts {
  message: { partnerId: string; organizationId: string; receivedAt: number };
  identityType: "company" | "person";
  outcome: { reason: string; periodStart: number; used: number; allocation: number | null; available: number | null };
}

/**
 * The notices of a batch of charged hits (the hits consumer calls this): `first_visitor_identified`
 * on an organization's first charge ever, `credits_low` when what is left falls to the partner's
 * low-credit threshold (its billing webhook's, else 10 %), `credits_exhausted` when nothing is left;
 * the last two once per organization and billing period.
 */
export async function queueChargeNotices(
  tenant: TenantEnv,
  hits: readonly ChargeFacts[],
  thresholdPercent: (partnerId: string) => number | undefined,
): Promise<void> {
  const notices: Notice[] = [];
  for (const { message, outcome, identityType } of hits) {
    if (outcome.reason !== "charged") continue;
    const { partnerId, organizationId } = message;
    const periodStart = isoSeconds(outcome.periodStart);
    // The first charge of a period is the only candidate for the first ever: the row's id keeps it once.
    if (outcome.used === 1) {
      notices.push({
        partnerId,
        organizationId,
        kind: "first_visitor_identified",
        cause: organizationId,
        data: { company: identityType === "company", at: isoSeconds(message.receivedAt) },
      });
    }
    const { allocation, available } = outcome;
    if (allocation === null || available === null || allocation === 0) continue;
    const balance = {
      periodStart,
      creditsUsed: outcome.used,
      creditsAvailable: available,
      creditsAllocated: allocation,
    };
    const threshold = thresholdPercent(partnerId) ?? DEFAULT_LOW_CREDIT_PERCENT;
    if (available > 0 && available * 100 <= allocation * threshold) {
      notices.push({
        partnerId,
        organizationId,
        kind: "credits_low",
        cause: `${organizationId}|${periodStart}`,
        data: { ...balance, thresholdPercent: threshold },
      });
    }
    if (available === 0) {
      notices.push({
        partnerId,
        organizationId,
        kind: "credits_exhausted",
        cause: `${organizationId}|${periodStart}`,
        data: balance,
      });
    }
  }
  // Several hits of a batch past the threshold: the first one's figures, as when they come in separate batches.
  const unique = [...Map.groupBy(notices, (n) => `${n.kind}|${n.cause}`).values()].map(([first]) => first!);
  await queueNotices(tenant, unique);
}
