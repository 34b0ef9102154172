import { ApiError } from "./errors";
import { fromBase64, toBase64 } from "./encoding";

/**
 * Secrets at rest (webhook secrets, pixel proxy secrets): AES-256-GCM under `WEBHOOK_SECRET_KEY`
 * (a Worker secret, `configOf(env).webhookSecretKey`, passed by the caller), stored as
 * `sealed:v1:<iv>:<ciphertext>` (base64). The owner (`context`) is the additional data, so a
 * sealed value copied onto another owner does not open.
 */
const SEALED_PREFIX = "sealed:v1:";
const IV_BYTES = 12;

/** Imported keys by their base64 text. */
const keys = new Map<string, Promise<CryptoKey>>();

function keyOf(raw: string | null): Promise<CryptoKey> {
  if (!raw) {
    throw new ApiError(
      "ServiceUnavailable",
      "Secrets cannot be stored or used: WEBHOOK_SECRET_KEY is not set on this server",
    );
  }
  let key = keys.get(raw);
  if (!key) {
    key = crypto.subtle.importKey("raw", fromBase64(raw), "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(raw, key);
  }
  return key;
}

export const isSealed = (stored: string) => stored.startsWith(SEALED_PREFIX);

export async function seal(secretKey: string | null, context: string, plain: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
    await keyOf(secretKey),
    new TextEncoder().encode(plain),
  );
  return `${SEALED_PREFIX}${toBase64(iv)}:${toBase64(new Uint8Array(sealed))}`;
}

/** The plain value of a sealed one; throws when it is not sealed or was sealed for another owner. */
export async function unseal(secretKey: string | null, context: string, stored: string): Promise<string> {
  if (!isSealed(stored)) throw new Error("Stored secret is not sealed");
  const [iv, data] = stored.slice(SEALED_PREFIX.length).split(":");
  if (iv === undefined || data === undefined) throw new Error("Sealed secret is malformed");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv), additionalData: new TextEncoder().encode(context) },
    await keyOf(secretKey),
    fromBase64(data),
  );
  return new TextDecoder().decode(plain);
}
