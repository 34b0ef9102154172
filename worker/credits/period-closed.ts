import { queueNotices } from "../notices/queue";
import { emitEvents, eventId, type WebhookEvent } from "../webhooks/events";
import type { PeriodClosed } from "./ledger";
import type { TenantEnv } from "../shards";

/**
 * Sends `period.closed` (billing webhook) for period summaries the counter recorded.
 * Idempotent: the event id derives from the `expired` ledger entry, so a repeated call
 * (the counter retries until this succeeds) delivers each close once.
 */
export async function emitPeriodClosed(env: TenantEnv, closes: PeriodClosed[]): Promise<void> {
  if (closes.length === 0) return;
  const organizationId = closes[0]!.organizationId;
  const org = await env.DB.prepare("SELECT partner_id, external_id FROM organizations WHERE id = ?")
    .bind(organizationId)
    .first<{ partner_id: string; external_id: string | null }>();
  if (!org) return;
  const events: WebhookEvent[] = await Promise.all(
    closes.map(async (close) => ({
      id: await eventId("period.closed", close.entryId),
      type: "period.closed" as const,
      partnerId: org.partner_id,
      organizationId,
      createdAt: Date.parse(close.periodEnd),
      data: {
        organizationId,
        externalId: org.external_id,
        periodStart: close.periodStart,
        periodEnd: close.periodEnd,
        allocation: close.allocation,
        consumed: close.consumed,
        adjusted: close.adjusted,
        expired: close.expired,
      },
    })),
  );
  await emitEvents(env, events);
  // The `renewal_receipt` e-mail notice, once per close (its id derives from the same ledger entry).
  await queueNotices(
    env,
    closes.map((close) => ({
      partnerId: org.partner_id,
      organizationId,
      kind: "renewal_receipt" as const,
      cause: close.entryId,
      data: {
        periodStart: close.periodStart,
        periodEnd: close.periodEnd,
        allocation: close.allocation,
        consumed: close.consumed,
        adjusted: close.adjusted,
        expired: close.expired,
      },
    })),
  );
}
