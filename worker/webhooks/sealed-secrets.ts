import type { WebhookChannel } from "../../shared/webhooks";
import { coreConfigOf } from "../core-config";
import type { Env } from "../env";
import type { TenantEnv } from "../shards";
import { isSealed, seal, unseal } from "../lib/sealing";
import { SECRET_PREFIX } from "../lib/webhook-secrets";

/**
 * Webhook secrets at rest, sealed (lib/sealing.ts) with the endpoint (partner and channel) as the
 * owner. Rows written before sealing existed hold the plain `whsec_` value until the cron seals
 * them (`sealPlainSecrets`).
 */
export interface SecretOwner {
  partner_id: string;
  channel: WebhookChannel;
}

const contextOf = (owner: SecretOwner) => `${owner.partner_id}/${owner.channel}`;

export const sealSecret = async (env: TenantEnv, owner: SecretOwner, secret: string): Promise<string> =>
  seal(coreConfigOf(env).webhookSecretKey, contextOf(owner), secret);

/** The `whsec_` secret of a stored value (sealed, or plain from before sealing). */
export async function openSecret(env: Env, owner: SecretOwner, stored: string): Promise<string> {
  if (stored.startsWith(SECRET_PREFIX)) return stored;
  if (!isSealed(stored)) throw new Error("Stored webhook secret has an unknown format");
  return unseal(coreConfigOf(env).webhookSecretKey, contextOf(owner), stored);
}

/**
 * Seals what endpoints still hold in plain text (written before sealing existed), a bounded
 * number per cron run; each row only if it still holds what was read, so a concurrent change wins.
 */
export async function sealPlainSecrets(env: TenantEnv): Promise<number> {
  if (!coreConfigOf(env).webhookSecretKey) return 0;
  const { results } = await env.DB.prepare(
    `SELECT partner_id, channel, secret, previous_secret FROM webhook_endpoints
     WHERE substr(secret, 1, 6) = 'whsec_' OR substr(previous_secret, 1, 6) = 'whsec_' LIMIT 500`,
  ).all<SecretOwner & { secret: string; previous_secret: string | null }>();
  const seal = (row: SecretOwner, value: string | null) =>
    value === null || isSealed(value) ? value : sealSecret(env, row, value);
  const updates = await Promise.all(
    results.map(async (row) =>
      env.DB.prepare(
        `UPDATE webhook_endpoints SET secret = ?, previous_secret = ?
         WHERE partner_id = ? AND channel = ? AND secret = ? AND previous_secret IS ?`,
      ).bind(
        await seal(row, row.secret),
        await seal(row, row.previous_secret),
        row.partner_id,
        row.channel,
        row.secret,
        row.previous_secret,
      ),
    ),
  );
  if (updates.length > 0) await env.DB.batch(updates);
  return updates.length;
}
