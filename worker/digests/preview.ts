import type { DigestFrequency } from "../../shared/digests";
import { countRecentAudit, recordAudit } from "../audit/queries";
import { sendMail } from "../email/send";
import { renderEmail } from "../email/template";
import type { MailOutcome } from "../email/transport";
import { brandOf } from "../insights/brand/queries";
import { ApiError, invalidField } from "../lib/errors";
import { isoSeconds } from "../lib/time";
import { findSegment } from "../segments/queries";
import type { TenantEnv } from "../shards";
import { digestData, isEmpty } from "./content";
import { previousEndStatement, type RecipientRow } from "./queries";
import { digestMail } from "./render";
import { periodLength } from "./schedule";
import type { DigestPreviewInput, DigestTestInput } from "./schemas";
import type { DigestContext } from "./settings";

/** Test digests go to any address the caller names: a few an hour are enough to check one. */
export const DIGEST_TESTS_PER_HOUR = 20;

/**
 * The digest a recipient would get if it were due now, rendered as it is mailed (without the
 * unsubscribe link, which is made per recipient when it is sent): its period runs from the end of
 * their previous digest (at most one period back) to now, with their frequency and segment; without
 * a recipient, the last day (or week) of every visitor, or of the segment sent.
 */
export async function renderDigestPreview(
  env: TenantEnv,
  context: Pick<DigestContext, "partnerId" | "organizationId" | "origin">,
  input: DigestPreviewInput,
  now = Date.now(),
) {
  const db = env.DB;
  const end = Math.floor(now / 1000);
  let frequency: DigestFrequency = input.frequency ?? "daily";
  let segmentId = input.segmentId ?? null;
  let previousEnd = 0;
  if (input.email !== undefined) {
    const email = input.email.trim().toLowerCase();
    const { results } = await db
      .prepare("SELECT * FROM digest_recipients WHERE organization_id = ? AND email = ?")
      .bind(context.organizationId, email)
      .all<RecipientRow>();
    if (results.length === 0) throw invalidField("email", "is not a recipient of the organization's digests");
    const recipient = input.frequency
      ? results.find((r) => r.frequency === input.frequency)
      : (results.find((r) => r.frequency === "daily") ?? results[0]);
    if (!recipient) throw invalidField("frequency", `the recipient gets no ${input.frequency} digest`);
    frequency = recipient.frequency;
    if (input.segmentId === undefined) segmentId = recipient.segment_id;
    const previous = await previousEndStatement(db, context.organizationId, email, frequency, end).first<{
      period_end: number | null;
    }>();
    previousEnd = previous?.period_end ?? 0;
  }
  const period = { start: Math.max(end - periodLength(frequency), previousEnd), end };
  const data = await dataOf(env, context, period, segmentId);
  const brand = await brandOf(env.CATALOG, context.partnerId);
  const rendered = renderEmail(brand!, digestMail(data, frequency));
  return {
    ...rendered,
    periodStart: isoSeconds(period.start * 1000),
    periodEnd: isoSeconds(period.end * 1000),
    empty: isEmpty(data),
  };
}

/**
 * Mails a digest of the last day (or week) to `to` now, even an empty one, marked as a test, and
 * answers what became of it. Audited (`digests.tested`); at most DIGEST_TESTS_PER_HOUR per partner (429).
 */
export async function sendDigestTest(
  env: TenantEnv,
  context: DigestContext,
  input: DigestTestInput,
  now = Date.now(),
): Promise<MailOutcome> {
  const db = env.DB;
  const hourAgo = isoSeconds(now - 3600_000);
  if ((await countRecentAudit(db, context.partnerId, "digests.tested", hourAgo)) >= DIGEST_TESTS_PER_HOUR) {
    throw new ApiError("RateLimited", `At most ${DIGEST_TESTS_PER_HOUR} test digests per hour`, {
      limit: DIGEST_TESTS_PER_HOUR,
      retryAfter: 3600,
    });
  }
  const end = Math.floor(now / 1000);
  const period = { start: end - periodLength(input.frequency), end };
  const data = await dataOf(env, context, period, input.segmentId ?? null);
  const outcome = await sendMail(env, {
    partnerId: context.partnerId,
    organizationId: context.organizationId,
    kind: "digest",
    to: input.to,
    content: digestMail(data, input.frequency, { test: true }),
    requestUrl: context.origin,
  });
  await recordAudit(db, {
    partnerId: context.partnerId,
    organizationId: context.organizationId,
    action: "digests.tested",
    actor: context.actor,
    details: { to: input.to, frequency: input.frequency, status: outcome.status },
  });
  return outcome;
}

/** The period's content; 400 for a segment that is not the organization's, 409 for a canceled organization. */
async function dataOf(
  env: TenantEnv,
  context: Pick<DigestContext, "organizationId" | "origin">,
  period: { start: number; end: number },
  segmentId: string | null,
) {
  if (segmentId !== null && !(await findSegment(env.DB, context.organizationId, segmentId))) {
    throw invalidField("segmentId", "is not a segment of this organization");
  }
  const data = await digestData(env, {
    organizationId: context.organizationId,
    period,
    segmentId,
    origin: context.origin,
  });
  if (!data) throw new ApiError("Conflict", "The organization is canceled: it gets no digests");
  return data;
}
