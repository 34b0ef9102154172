import type { AlertChannelType, AlertDeliveryStatus, AlertTrigger } from "../../shared/alerts";
import { isoSeconds } from "../lib/time";
import type { Env } from "../env";
import { sendMail } from "../email/send";
import { isPermanentFailure, type MailOutcome } from "../email/transport";
import type { TenantEnv } from "../shards";
import { isGone, openTarget, postJson, recipientsOf, type ChannelRow, type PostResult } from "./channels";
import { firingContent } from "./content";
import type { AlertContent } from "./wording";
import { alertMail } from "./email";
import { slackMessage } from "./slack";
import { teamsMessage } from "./teams";

export interface AlertDeliveryRow {
  id: string;
  rule_id: string;
  organization_id: string;
  channel_id: string;
  channel_type: AlertChannelType;
  firing: string;
  trigger: AlertTrigger;
  test: number;
  visitor: string | null;
  session_start: number | null;
  /** E-mail channels: the one address this delivery mails. */
  recipient: string | null;
  status: AlertDeliveryStatus;
  attempts: number;
  status_code: number | null;
  error: string | null;
  lease_until: number | null;
  created_at: string;
  sent_at: string | null;
}

/** Attempts of one delivery in all; an alert days late is noise, so failures are retried briefly. */
export const MAX_ATTEMPTS = 5;
/** Waits after a failed attempt (1st, 2nd, …), in seconds, unless the channel said how long (429 `Retry-After`). */
const RETRY_DELAYS_S = [10, 60, 300, 900];
/** The longest `Retry-After` honoured: past it, the next attempt comes after this anyway. */
const MAX_RETRY_AFTER_S = 3600;
/** An attempt holds its delivery this long beyond its own timeout, so a duplicate message cannot send it too. */
const LEASE_S = 90;

/** What the queue consumer does with the message: acknowledge it, or bring it back after `delaySeconds`. */
export type AttemptOutcome = { kind: "done" } | { kind: "retry"; delaySeconds: number };

/** The body a chat channel is posted. */
export function messageFor(type: Exclude<AlertChannelType, "email">, content: AlertContent): unknown {
  return type === "slack" ? slackMessage(content) : teamsMessage(content);
}

/** Sends one alert to one channel: a post to Slack or Teams, or a mail to one of an e-mail channel's recipients. */
export async function sendToChannel(
  env: TenantEnv,
  channel: ChannelRow,
  content: AlertContent,
  recipient: string | null,
): Promise<PostResult> {
  if (channel.type === "email") return sendAlertMail(env, content, recipient!);
  return postJson(env, await openTarget(env, channel.id, channel.target), messageFor(channel.type, content));
}

/**
 * One attempt of one delivery from the queue: claim it (a lease, so a duplicate message never sends
 * it at the same time), read what it says, post it, and record the outcome. A 429 comes back after
 * the channel's `Retry-After`; a 404 or 410 disables the channel with the reason (the rule's other
 * channels go on); other failures are retried after 10 s, 1 min, 5 min and 15 min, then `failed`.
 */
export async function attemptAlert(env: TenantEnv, deliveryId: string, now = Date.now()): Promise<AttemptOutcome> {
  const db = env.DB;
  const nowS = Math.floor(now / 1000);
  const row = await db
    .prepare(
      `UPDATE alert_deliveries SET lease_until = ?, attempts = attempts + 1
       WHERE id = ? AND status = 'pending' AND coalesce(lease_until, 0) <= ? RETURNING *`,
    )
    .bind(nowS + LEASE_S, deliveryId, nowS)
    .first<AlertDeliveryRow>();
  if (!row) {
    // Held by another attempt, or waiting for its retry: come back when that is over, unless it is settled.
    const held = await db
      .prepare("SELECT lease_until FROM alert_deliveries WHERE id = ? AND status = 'pending'")
      .bind(deliveryId)
      .first<{ lease_until: number | null }>();
    return held
      ? { kind: "retry", delaySeconds: Math.max(1, (held.lease_until ?? nowS) - nowS + 1) }
      : { kind: "done" };
  }
  const channel = await db
    .prepare(
      `SELECT c.*, r.enabled AS rule_enabled FROM alert_channels c JOIN alert_rules r ON r.id = c.rule_id WHERE c.id = ?`,
    )
    .bind(row.channel_id)
    .first<ChannelRow & { rule_enabled: number }>();
  const unusable = !channel
    ? "Channel removed"
    : channel.rule_enabled !== 1
      ? "The alert was switched off"
      : channel.disabled_reason !== null
        ? `Channel disabled: ${channel.disabled_reason}`
        : channel.type === "email" && !recipientsOf(channel)!.includes(row.recipient ?? "")
          ? "No longer a recipient of the channel"
          : null;
  if (!channel || unusable) {
    await settle(db, row.id, "failed", null, unusable);
    return { kind: "done" };
  }
  const content = row.visitor === null ? null : await firingContent(env, { ...row, visitor: row.visitor });
  if (!content) {
    await settle(db, row.id, "failed", null, "The visitor or the rule is no longer stored");
    return { kind: "done" };
  }
  const result = await sendToChannel(env, channel, content, row.recipient);
  if (result.ok) {
    await settle(db, row.id, "sent", result.statusCode, null);
    return { kind: "done" };
  }
  if (isGone(result.statusCode)) {
    await db.batch([
      db
        .prepare(
          `UPDATE alert_channels SET disabled_reason = ?, disabled_at = ? WHERE id = ? AND disabled_reason IS NULL`,
        )
        .bind(`${result.error}: the webhook URL no longer exists`, isoSeconds(now), channel.id),
      settleStatement(db, row.id, "failed", result.statusCode, `${result.error}: channel disabled`),
    ]);
    return { kind: "done" };
  }
  const retryable =
    !result.refused && (result.statusCode === null || result.statusCode === 429 || result.statusCode >= 500);
  if (!retryable || row.attempts >= MAX_ATTEMPTS) {
    const gaveUp = retryable ? ` (gave up after ${row.attempts} attempts)` : "";
    await settle(db, row.id, "failed", result.statusCode, `${result.error}${gaveUp}`);
    return { kind: "done" };
  }
  const delaySeconds =
    result.statusCode === 429 && result.retryAfter !== null
      ? Math.min(MAX_RETRY_AFTER_S, Math.max(1, result.retryAfter))
      : RETRY_DELAYS_S[row.attempts - 1]!;
  // Pending, held until the retry is due: a duplicate message or the cron's re-send waits for it.
  await db
    .prepare("UPDATE alert_deliveries SET status_code = ?, error = ?, lease_until = ? WHERE id = ?")
    .bind(result.statusCode, `${result.error}; retrying in ${delaySeconds} s`, nowS + delaySeconds, row.id)
    .run();
  return { kind: "retry", delaySeconds };
}

const settleStatement = (
  db: D1Database,
  id: string,
  status: AlertDeliveryStatus,
  statusCode: number | null,
  error: string | null,
) =>
  db
    .prepare(
      `UPDATE alert_deliveries SET status = ?, status_code = ?, error = ?, lease_until = NULL,
         sent_at = CASE WHEN ? = 'sent' THEN ? ELSE sent_at END
       WHERE id = ?`,
    )
    .bind(status, statusCode, error, status, isoSeconds(), id);

async function settle(
  db: D1Database,
  id: string,
  status: AlertDeliveryStatus,
  statusCode: number | null,
  error: string | null,
) {
  await settleStatement(db, id, status, statusCode, error).run();
}

/** Mails one alert to one recipient; the outcome in the terms of the delivery log. */
export async function sendAlertMail(env: Env, content: AlertContent, to: string): Promise<PostResult> {
  const outcome = await sendMail(env, {
    partnerId: content.partnerId,
    organizationId: content.organizationId,
    kind: "alert",
    to,
    content: alertMail(content),
  });
  return resultOf(outcome, content.organizationName);
}

/**
 * Delivered, or why not. A permanent refusal (a 5xx reply), a missing setting and an unsubscribed
 * recipient are not retried; a connection that failed or a 4xx reply is.
 */
function resultOf(outcome: MailOutcome, organizationName: string): PostResult {
  const base = { statusCode: null, retryAfter: null };
  if (outcome.status === "delivered") return { ...base, ok: true, error: null };
  if (outcome.status === "unsubscribed") {
    return {
      ...base,
      ok: false,
      error: `Not sent: the recipient unsubscribed from alerts about ${organizationName}`,
      refused: true,
    };
  }
  return { ...base, ok: false, error: outcome.error!.message.slice(0, 500), refused: isPermanentFailure(outcome) };
}
