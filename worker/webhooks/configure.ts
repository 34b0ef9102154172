import { DEFAULT_LOW_CREDIT_PERCENT, type WebhookChannel } from "../../shared/webhooks";
import { ApiError, invalidField } from "../lib/errors";
import { generateSecret } from "../lib/webhook-secrets";
import { isoSeconds } from "../lib/time";
import type { TenantEnv } from "../shards";
import { inOverlap, loadEndpoint, type EndpointRow } from "./endpoints";
import { openSecret, sealSecret } from "./sealed-secrets";

/** After a rotation the previous secret still signs (a second `v1,` entry) for this long. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

/** A partner's change of one webhook; what is left out keeps its value. `url` was checked to be public. */
export interface EndpointChange {
  url?: string | null;
  secret?: string;
  rotateSecret?: boolean;
  enabled?: boolean;
  companyVisited?: boolean;
  lowCreditThresholdPercent?: number;
}

/**
 * Sets up the webhook (the first time it needs a URL; without a secret one is generated) or
 * changes it. A new secret replaces the old one, which keeps signing for ROTATION_OVERLAP_MS; a
 * second new secret within that overlap keeps the original one signing until it ends. Returns the
 * webhook and, when Sightline generated its secret here, that secret (shown once).
 */
export async function configureEndpoint(
  tenant: TenantEnv,
  partnerId: string,
  channel: WebhookChannel,
  change: EndpointChange,
): Promise<{ endpoint: EndpointRow; generatedSecret?: string }> {
  if (change.secret !== undefined && change.rotateSecret)
    throw invalidField("secret", "send either secret or rotateSecret");
  const existing = await loadEndpoint(tenant.DB, partnerId, channel);
  const generatedSecret = existing
    ? await updateEndpoint(tenant, existing, change)
    : await insertEndpoint(tenant, partnerId, channel, change);
  const endpoint = (await loadEndpoint(tenant.DB, partnerId, channel))!;
  return generatedSecret === undefined ? { endpoint } : { endpoint, generatedSecret };
}

async function insertEndpoint(
  tenant: TenantEnv,
  partnerId: string,
  channel: WebhookChannel,
  change: EndpointChange,
): Promise<string | undefined> {
  if (!change.url) throw invalidField("url", "required on first setup");
  const secret = change.secret ?? generateSecret();
  const at = isoSeconds();
  const { meta } = await tenant.DB.prepare(
    `INSERT INTO webhook_endpoints (partner_id, channel, url, secret, enabled, low_credit_threshold_percent,
       company_visited, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (partner_id, channel) DO NOTHING`,
  )
    .bind(
      partnerId,
      channel,
      change.url,
      await sealSecret(tenant, { partner_id: partnerId, channel }, secret),
      change.enabled === false ? 0 : 1,
      change.lowCreditThresholdPercent ?? DEFAULT_LOW_CREDIT_PERCENT,
      change.companyVisited ? 1 : 0,
      at,
      at,
    )
    .run();
  if (meta.changes === 0)
    throw new ApiError("Conflict", `The ${channel} webhook was set up by a concurrent request; send the change again`);
  return change.secret === undefined ? secret : undefined;
}

async function updateEndpoint(
  tenant: TenantEnv,
  existing: EndpointRow,
  change: EndpointChange,
): Promise<string | undefined> {
  const now = Date.now();
  const sets: string[] = ["updated_at = ?"];
  const params: unknown[] = [isoSeconds(now)];
  let generatedSecret: string | undefined;
  if (change.url !== undefined) (sets.push("url = ?"), params.push(change.url));
  const newSecret = change.rotateSecret ? generateSecret() : change.secret;
  if (newSecret !== undefined && newSecret !== (await openSecret(tenant, existing, existing.secret))) {
    if (change.rotateSecret) generatedSecret = newSecret;
    sets.push("secret = ?");
    params.push(await sealSecret(tenant, existing, newSecret));
    // Within an overlap, the secret receivers had before it began keeps signing until it ends.
    if (!inOverlap(existing, now)) {
      sets.push("previous_secret = ?", "previous_secret_expires_at = ?");
      params.push(existing.secret, isoSeconds(now + ROTATION_OVERLAP_MS));
    }
  }
  if (change.enabled !== undefined) (sets.push("enabled = ?"), params.push(change.enabled ? 1 : 0));
  if (change.enabled === true) {
    // Switching on again is the partner's word that the endpoint is fixed.
    sets.push("disabled_reason = NULL", "disabled_at = NULL", "consecutive_failures = 0", "failing_since = NULL");
  }
  if (change.companyVisited !== undefined)
    (sets.push("company_visited = ?"), params.push(change.companyVisited ? 1 : 0));
  if (change.lowCreditThresholdPercent !== undefined)
    (sets.push("low_credit_threshold_percent = ?"), params.push(change.lowCreditThresholdPercent));
  await tenant.DB.prepare(`UPDATE webhook_endpoints SET ${sets.join(", ")} WHERE partner_id = ? AND channel = ?`)
    .bind(...params, existing.partner_id, existing.channel)
    .run();
  return generatedSecret;
}
