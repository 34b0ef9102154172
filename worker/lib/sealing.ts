import { configOf } from "../config";
import type { Env } from "../env";
import { ApiError } from "../http/errors";
import { fromBase64, toBase64 } from "./encoding";

/**
 * Secrets at rest (webhook secrets, pixel proxy secrets): AES-256-GCM under `WEBHOOK_SECRET_KEY`
 * (a Worker secret), stored as `sealed:v1:<iv>:<ciphertext>` (base64). The owner (`context`) is the
 * additional data, so a sealed value copied onto another owner does not open.
 */
const SEALED_PREFIX = "sealed:v1:";
const IV_BYTES = 12;

const keys = new WeakMap<Env, Promise<CryptoKey>>();

function keyOf(env: Env): Promise<CryptoKey> {
  let key = keys.get(env);
  if (!key) {
    const raw = configOf(env).webhookSecretKey;
    if (!raw) {
      throw new ApiError(
        "ServiceUnavailable",
        "Secrets cannot be stored or used: WEBHOOK_SECRET_KEY is not set on this server",
      );
    }
    key = crypto.subtle.importKey("raw", fromBase64(raw), "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(env, key);
  }
  return key;
}

export const isSealed = (stored: string) => stored.startsWith(SEALED_PREFIX);

export async function seal(env: Env, context: string, plain: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
    await keyOf(env),
    new TextEncoder().encode(plain),
  );
  return `${SEALED_PREFIX}${toBase64(iv)}:${toBase64(new Uint8Array(sealed))}`;
}

/** The plain value of a sealed one; throws when it is not sealed or was sealed for another owner. */
export async function unseal(env: Env, context: string, stored: string): Promise<string> {
  if (!isSealed(stored)) throw new Error("Stored secret is not sealed");
  const [iv, data] = stored.slice(SEALED_PREFIX.length).split(":");
  if (iv === undefined || data === undefined) throw new Error("Sealed secret is malformed");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: fromBase64(iv), additionalData: new TextEncoder().encode(context) },
    await keyOf(env),
    fromBase64(data),
  );
  return new TextDecoder().decode(plain);
}
