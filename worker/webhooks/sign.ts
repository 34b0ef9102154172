import { toBase64, toHex } from "../lib/encoding";
import { signingKey } from "../lib/webhook-secrets";

const encoder = new TextEncoder();

async function hmac(key: Uint8Array, message: string): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message)));
}

export interface SignedHeaders {
  "webhook-id": string;
  "webhook-timestamp": string;
  "webhook-signature": string;
  "X-Bullseye-Signature": string;
}

/**
 * Headers of one attempt.
 * - Standard Webhooks: `webhook-signature` holds one `v1,<base64>` entry per valid secret
 *   (the current one first; during a rotation's overlap the previous one too), each an
 *   HMAC-SHA256 of `id.timestamp.body` keyed with the secret's decoded bytes.
 * - docs/partner-api.md#webhooks: `X-Bullseye-Signature` = hex HMAC-SHA256 of the raw body keyed with the
 *   current secret string as UTF-8 (what existing receivers verify).
 */
export async function signatureHeaders(
  webhookId: string,
  timestampSeconds: number,
  body: string,
  secrets: string[],
): Promise<SignedHeaders> {
  const signed = `${webhookId}.${timestampSeconds}.${body}`;
  const entries = await Promise.all(secrets.map(async (s) => `v1,${toBase64(await hmac(signingKey(s), signed))}`));
  return {
    "webhook-id": webhookId,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": entries.join(" "),
    "X-Bullseye-Signature": toHex(await hmac(encoder.encode(secrets[0]), body)),
  };
}
