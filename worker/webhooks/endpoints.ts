import type { WebhookChannel } from "../../shared/webhooks";
import type { Env } from "../env";
import type { TenantEnv } from "../shards";
import { isoSeconds } from "../lib/time";
import { openSecret } from "./sealed-secrets";

export interface EndpointRow {
  partner_id: string;
  channel: WebhookChannel;
  url: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: string | null;
  enabled: number;
  disabled_reason: string | null;
  disabled_at: string | null;
  consecutive_failures: number;
  failing_since: string | null;
  low_credit_threshold_percent: number;
  /** The identification webhook also receives `company.visited` (opt-in: one event per visit). */
  company_visited: number;
  created_at: string;
  updated_at: string;
}

export async function loadEndpoint(
  db: D1Database,
  partnerId: string,
  channel: WebhookChannel,
): Promise<EndpointRow | null> {
  return db
    .prepare("SELECT * FROM webhook_endpoints WHERE partner_id = ? AND channel = ?")
    .bind(partnerId, channel)
    .first<EndpointRow>();
}

export async function loadEndpoints(db: D1Database, partnerId: string): Promise<Map<WebhookChannel, EndpointRow>> {
  const { results } = await db
    .prepare("SELECT * FROM webhook_endpoints WHERE partner_id = ?")
    .bind(partnerId)
    .all<EndpointRow>();
  return new Map(results.map((r) => [r.channel, r]));
}

/** Delivers when it has a URL, the partner enabled it, and Sightline has not disabled it. */
export const isActive = (e: EndpointRow | null | undefined): boolean =>
  !!e && e.url !== null && e.enabled === 1 && e.disabled_reason === null;

/** True while a rotation's previous secret still signs. */
export const inOverlap = (e: EndpointRow, now = Date.now()): boolean =>
  e.previous_secret !== null && e.previous_secret_expires_at !== null && Date.parse(e.previous_secret_expires_at) > now;

/** Secrets whose signature is sent, opened: the current one, plus the previous one during the overlap window. */
export async function validSecrets(env: Env, e: EndpointRow, now = Date.now()): Promise<string[]> {
  const stored = inOverlap(e, now) ? [e.secret, e.previous_secret!] : [e.secret];
  return Promise.all(stored.map((secret) => openSecret(env, e, secret)));
}

/** The partner-facing view (the secret is never returned). */
export function endpointView(e: EndpointRow | null | undefined) {
  return {
    url: e?.url ?? null,
    enabled: isActive(e),
    hasSecret: !!e,
    disabledReason: e?.disabled_reason ?? null,
    disabledAt: e?.disabled_at ?? null,
    previousSecretExpiresAt: e && inOverlap(e) ? e.previous_secret_expires_at : null,
  };
}

/** After a 2xx: the failure streak ends. */
export function recordEndpointSuccess(db: D1Database, partnerId: string, channel: WebhookChannel): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE webhook_endpoints SET consecutive_failures = 0, failing_since = NULL
       WHERE partner_id = ? AND channel = ? AND consecutive_failures > 0`,
    )
    .bind(partnerId, channel);
}

export interface DisablePolicy {
  /** Consecutive failed attempts … */
  failures: number;
  /** … over at least this long, before the endpoint is disabled. */
  sinceMs: number;
}

/**
 * After a failed attempt: extends the failure streak, and disables the endpoint once the
 * streak is long in both count and time (a short outage with a burst of events does not).
 * Returns true when this failure disabled it.
 */
export async function recordEndpointFailure(
  db: D1Database,
  partnerId: string,
  channel: WebhookChannel,
  policy: DisablePolicy,
  now = Date.now(),
): Promise<boolean> {
  const at = isoSeconds(now);
  const row = await db
    .prepare(
      `UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, ?)
       WHERE partner_id = ? AND channel = ? RETURNING consecutive_failures, failing_since, disabled_reason`,
    )
    .bind(at, partnerId, channel)
    .first<{ consecutive_failures: number; failing_since: string; disabled_reason: string | null }>();
  if (!row || row.disabled_reason !== null) return false;
  if (row.consecutive_failures < policy.failures || now - Date.parse(row.failing_since) < policy.sinceMs) return false;
  const reason = `Disabled after ${row.consecutive_failures} consecutive failed deliveries since ${row.failing_since}`;
  const result = await db
    .prepare(
      `UPDATE webhook_endpoints SET disabled_reason = ?, disabled_at = ?, updated_at = ?
       WHERE partner_id = ? AND channel = ? AND disabled_reason IS NULL`,
    )
    .bind(reason, at, at, partnerId, channel)
    .run();
  if (result.meta.changes > 0) console.warn("webhook endpoint disabled", { partnerId, channel, reason });
  return result.meta.changes > 0;
}
