import type { WebhookChannel } from "../../shared/webhooks";
import { configOf } from "../config";
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import { fromBase64, toBase64 } from "../lib/encoding";
import { SECRET_PREFIX } from "./secrets";

/**
 * Webhook secrets at rest: AES-256-GCM under `WEBHOOK_SECRET_KEY` (a Worker secret), stored as
 * `sealed:v1:<iv>:<ciphertext>` (base64). The endpoint (partner and channel) is the additional
 * data, so a sealed value copied onto another endpoint does not open. Rows written before
 * sealing existed hold the plain `whsec_` value until the cron seals them (`sealPlainSecrets`).
 */
const SEALED_PREFIX = "sealed:v1:";
const IV_BYTES = 12;

export interface SecretOwner {
  partner_id: string;
  channel: WebhookChannel;
}

const keys = new WeakMap<Env, Promise<CryptoKey>>();

function keyOf(env: Env): Promise<CryptoKey> {
  let key = keys.get(env);
  if (!key) {
    const raw = configOf(env).webhookSecretKey;
    if (!raw) {
      throw new ApiError(
        "ServiceUnavailable",
        "Webhook secrets cannot be stored or used: WEBHOOK_SECRET_KEY is not set on this server",
      );
    }
    key = crypto.subtle.importKey("raw", fromBase64(raw), "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(env, key);
  }
  return key;
}

const additionalData = (owner: SecretOwner) => new TextEncoder().encode(`${owner.partner_id}/${owner.channel}`);

export const isSealed = (stored: string) => stored.startsWith(SEALED_PREFIX);

export async function sealSecret(env: Env, owner: SecretOwner, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: additionalData(owner) },
    await keyOf(env),
    new TextEncoder().encode(secret),
  );
  return `${SEALED_PREFIX}${toBase64(iv)}:${toBase64(new Uint8Array(sealed))}`;
}

/** The `whsec_` secret of a stored value (sealed, or plain from before sealing). */
export async function openSecret(env: Env, owner: SecretOwner, stored: string): Promise<string> {
  if (stored.startsWith(SECRET_PREFIX)) return stored;
  if (!isSealed(stored)) throw new Error("Stored webhook secret has an unknown format");
  const [iv, data] = stored.slice(SEALED_PREFIX.length).split(":");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv), additionalData: additionalData(owner) },
    await keyOf(env),
    fromBase64(data),
  );
  return new TextDecoder().decode(plain);
}

/**
 * Seals what endpoints still hold in plain text (written before sealing existed), a bounded
 * number per cron run; each row only if it still holds what was read, so a concurrent change wins.
 */
export async function sealPlainSecrets(env: Env): Promise<number> {
  if (!configOf(env).webhookSecretKey) return 0;
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
