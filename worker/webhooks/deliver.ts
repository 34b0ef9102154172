import type { DeliveryStatus, WebhookChannel } from "../../shared/webhooks";
import { configOf } from "../config";
import type { TenantEnv } from "../shards";
import { isoSeconds } from "../lib/time";
import { resolvedTargetProblem } from "../outbound/targets";
import { DnsLookupError } from "../lib/doh";
import { isActive, loadEndpoint, recordEndpointFailure, recordEndpointSuccess, validSecrets } from "./endpoints";
import { payloadOf } from "./events";
import type { WebhookMessage } from "./message";
import { nextAttemptAt, queueDelaySeconds } from "./schedule";
import { signatureHeaders } from "./sign";
import { visitorFields, type VisitorReference } from "./visitor-payload";

export interface DeliveryRow {
  id: string;
  partner_id: string;
  channel: WebhookChannel;
  event_id: string;
  event_type: string;
  organization_id: string | null;
  data: string;
  payload: string | null;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  first_attempt_at: string | null;
  next_attempt_at: string | null;
  lease_until: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface AttemptResult {
  attempt: number;
  startedAt: string;
  url: string;
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
  succeeded: boolean;
}

export type AttemptOutcome =
  | { kind: "attempted"; result: AttemptResult; status: DeliveryStatus; nextAttemptAt: number | null }
  /** Nothing to do: unknown id, already delivered or failed, or just marked failed. */
  | { kind: "settled" }
  /** Not due yet (chained delay) or another consumer holds it: come back at `at`. */
  | { kind: "later"; at: number };

export interface AttemptOptions {
  now?: number;
  /** Attempts allowed in all; test events get one. */
  singleAttempt?: boolean;
  /** Send even if the endpoint is switched off or disabled (test events: how a partner checks a fix). */
  anyEndpointState?: boolean;
}

/** A visitor event waits this long for the hits consumer to store what it describes. */
const NOT_STORED_RETRY_MS = 5_000;
const NOT_STORED_GIVE_UP_MS = 3600_000;
const ERROR_SNIPPET = 200;

const timeoutOf = (env: TenantEnv) => configOf(env).webhookTimeoutMs;

/**
 * One attempt of one delivery: claim it (a lease, so duplicate queue messages do not send
 * twice at once), sign, POST, log the attempt, and move the delivery on: `succeeded` on a
 * 2xx within the timeout, else the next time on the retry schedule, or `failed` after the last.
 */
export async function attemptDelivery(
  env: TenantEnv,
  deliveryId: string,
  options: AttemptOptions = {},
): Promise<AttemptOutcome> {
  const now = options.now ?? Date.now();
  const timeoutMs = timeoutOf(env);
  const row = await env.DB.prepare(
    `UPDATE webhook_deliveries SET lease_until = ?
     WHERE id = ? AND status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)
     RETURNING *`,
  )
    .bind(isoSeconds(now + timeoutMs + 30_000), deliveryId, isoSeconds(now), isoSeconds(now))
    .first<DeliveryRow>();
  if (!row) return whyNotClaimed(env.DB, deliveryId, now);

  const endpoint = await loadEndpoint(env.DB, row.partner_id, row.channel);
  if (!endpoint || endpoint.url === null || (!options.anyEndpointState && !isActive(endpoint))) {
    const reason = endpoint?.disabled_reason
      ? `Endpoint disabled: ${endpoint.disabled_reason}`
      : "Endpoint not configured or switched off";
    await settle(env.DB, row.id, "failed", reason);
    return { kind: "settled" };
  }
  const payload = row.payload ?? (await materialize(env.DB, row));
  if (payload === null) {
    if (now - Date.parse(row.created_at) > NOT_STORED_GIVE_UP_MS) {
      await settle(env.DB, row.id, "failed", "The identification this event describes was never stored");
      return { kind: "settled" };
    }
    await env.DB.prepare("UPDATE webhook_deliveries SET lease_until = NULL WHERE id = ?").bind(row.id).run();
    return { kind: "later", at: now + NOT_STORED_RETRY_MS };
  }

  const attempt = row.attempts + 1;
  const at = isoSeconds(now);
  const refused = await targetRefusal(env, endpoint.url);
  const result = {
    ...(refused
      ? { attempt, url: endpoint.url, statusCode: null, error: refused, latencyMs: 0, succeeded: false }
      : await post(endpoint.url, row.event_id, payload, () => validSecrets(env, endpoint, now), timeoutMs, attempt)),
    startedAt: at,
  };
  const first = row.first_attempt_at ? Date.parse(row.first_attempt_at) : now;
  const next = result.succeeded || options.singleAttempt ? null : nextAttemptAt(first, now);
  const status: DeliveryStatus = result.succeeded ? "succeeded" : next === null ? "failed" : "pending";
  await env.DB.batch([
    env.DB.prepare(
      `INSERT OR REPLACE INTO webhook_attempts (delivery_id, attempt, url, started_at, status_code, error, latency_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).bind(row.id, attempt, result.url, at, result.statusCode, result.error, result.latencyMs),
    env.DB.prepare(
      `UPDATE webhook_deliveries SET status = ?, attempts = ?, last_status_code = ?, last_error = ?,
         first_attempt_at = ?, next_attempt_at = ?, delivered_at = ?, lease_until = NULL
       WHERE id = ?`,
    ).bind(
      status,
      attempt,
      result.statusCode,
      result.error,
      isoSeconds(first),
      next === null ? null : isoSeconds(next),
      result.succeeded ? at : null,
      row.id,
    ),
    ...(result.succeeded ? [recordEndpointSuccess(env.DB, row.partner_id, row.channel)] : []),
  ]);
  // Test events do not count toward disabling (a partner may be testing a fix), but a success ends the streak.
  if (!result.succeeded && !options.anyEndpointState) {
    await recordEndpointFailure(env.DB, row.partner_id, row.channel, disablePolicy(env), now);
  }
  return { kind: "attempted", result, status, nextAttemptAt: next };
}

/** Sends the delivery's queue message so it comes back at `at` (chained when over the queue's maximum delay). */
export async function scheduleAttempt(env: TenantEnv, deliveryId: string, at: number, now = Date.now()): Promise<void> {
  const message: WebhookMessage = { deliveryId, shard: env.SHARD };
  await env.WEBHOOKS.send(message, { delaySeconds: queueDelaySeconds(at, now) });
}

function disablePolicy(env: TenantEnv) {
  const config = configOf(env);
  return { failures: config.webhookDisableAfterFailures, sinceMs: config.webhookDisableAfterHours * 3600_000 };
}

async function whyNotClaimed(db: D1Database, deliveryId: string, now: number): Promise<AttemptOutcome> {
  const row = await db
    .prepare("SELECT status, next_attempt_at, lease_until FROM webhook_deliveries WHERE id = ?")
    .bind(deliveryId)
    .first<Pick<DeliveryRow, "status" | "next_attempt_at" | "lease_until">>();
  if (!row || row.status !== "pending" || row.next_attempt_at === null) return { kind: "settled" };
  const due = Date.parse(row.next_attempt_at);
  const leased = row.lease_until ? Date.parse(row.lease_until) : 0;
  return { kind: "later", at: Math.max(due, leased, now + 1000) };
}

async function settle(db: D1Database, id: string, status: DeliveryStatus, error: string) {
  await db
    .prepare(
      "UPDATE webhook_deliveries SET status = ?, last_error = ?, next_attempt_at = NULL, lease_until = NULL WHERE id = ?",
    )
    .bind(status, error, id)
    .run();
}

/** The exact body, fixed at the first attempt so every retry sends (and signs) the same bytes. */
async function materialize(db: D1Database, row: DeliveryRow): Promise<string | null> {
  const data = JSON.parse(row.data) as { createdAt: string } & Partial<VisitorReference> & Record<string, unknown>;
  const { createdAt, hitEventId: _hit, visitorId, sessionStart, ...fields } = data;
  const event = { id: row.event_id, type: row.event_type, createdAt, partnerId: row.partner_id };
  let payload: string;
  if (visitorId && sessionStart !== undefined) {
    const visitor = await visitorFields(db, { organizationId: row.organization_id!, visitorId, sessionStart });
    if (!visitor) return null;
    payload = payloadOf(event, { ...fields, ...visitor });
  } else {
    payload = payloadOf(event, fields);
  }
  const stored = await db
    .prepare("UPDATE webhook_deliveries SET payload = coalesce(payload, ?) WHERE id = ? RETURNING payload")
    .bind(payload, row.id)
    .first<{ payload: string }>();
  return stored?.payload ?? payload;
}

/**
 * Why the URL's host may not be sent to now (it resolves to a non-public address, or not at all),
 * checked before every attempt: a name that was public when it was saved can point inside later.
 * A failed attempt then, retried on schedule like any other.
 */
async function targetRefusal(env: TenantEnv, url: string): Promise<string | null> {
  try {
    const problem = await resolvedTargetProblem(
      configOf(env).dohUrl,
      new URL(url).hostname,
      configOf(env).allowInsecureWebhooks,
    );
    return problem && `Refused: ${problem}`.slice(0, ERROR_SNIPPET);
  } catch (error) {
    if (!(error instanceof DnsLookupError)) throw error;
    return `Could not resolve ${error.message}`.slice(0, ERROR_SNIPPET);
  }
}

/**
 * One POST. Signing is inside the `try`: a secret that cannot be used fails this attempt (logged,
 * retried on schedule) instead of the whole queue batch. The receiver's answer is not read: only
 * its status is kept, so the log never echoes what a third party sent back.
 */
async function post(
  url: string,
  webhookId: string,
  body: string,
  secrets: () => Promise<string[]>,
  timeoutMs: number,
  attempt: number,
): Promise<Omit<AttemptResult, "startedAt">> {
  const started = Date.now();
  try {
    const headers = await signatureHeaders(webhookId, Math.floor(started / 1000), body, await secrets());
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "Sightline-Webhooks/1", ...headers },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel().catch(() => {});
    const latencyMs = Date.now() - started;
    const succeeded = response.status >= 200 && response.status < 300;
    const error = succeeded ? null : `HTTP ${response.status}`;
    return { attempt, url, statusCode: response.status, error, latencyMs, succeeded };
  } catch (err) {
    const latencyMs = Date.now() - started;
    const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
    const error = timedOut
      ? `No response within ${timeoutMs} ms`
      : `Request failed: ${err instanceof Error ? err.message : String(err)}`;
    return { attempt, url, statusCode: null, error: error.slice(0, ERROR_SNIPPET), latencyMs, succeeded: false };
  }
}
