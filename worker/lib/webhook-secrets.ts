import { fromBase64, toBase64 } from "./encoding";

/** Standard Webhooks secrets: `whsec_` + base64 of random bytes; the signing key is the decoded bytes. */
export const SECRET_PREFIX = "whsec_";
const SECRET_BYTES = 32;
/** What Standard Webhooks libraries accept: 24 to 64 bytes of key. */
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

export function generateSecret(): string {
  return SECRET_PREFIX + toBase64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

/** The HMAC key of a `whsec_` secret (its base64 part decoded), or null when it is not a usable secret. */
export function signingKeyOf(secret: string): Uint8Array | null {
  if (!secret.startsWith(SECRET_PREFIX)) return null;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return null;
  let key: Uint8Array;
  try {
    key = fromBase64(encoded);
  } catch {
    return null;
  }
  return key.length >= MIN_KEY_BYTES && key.length <= MAX_KEY_BYTES ? key : null;
}

export const SECRET_RULE = `must be whsec_ followed by standard base64 of ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes`;

/** The HMAC key of a secret that was validated when it was stored. */
export function signingKey(secret: string): Uint8Array {
  const key = signingKeyOf(secret);
  if (!key) throw new Error("Stored webhook secret is not a valid whsec_ secret");
  return key;
}
