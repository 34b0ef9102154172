import { fromBase64, toBase64 } from "../lib/encoding";

/** Standard Webhooks secrets: `whsec_` + base64 of random bytes; the signing key is the decoded bytes. */
export const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;

/** `whsec_` + base64 of 24 to 64 bytes (what Standard Webhooks libraries accept). */
export const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/;

export function generateSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** The HMAC key of a `whsec_` secret: the base64-decoded part after the prefix. */
export function signingKey(secret: string): Uint8Array {
  return fromBase64(secret.slice(SECRET_PREFIX.length));
}
