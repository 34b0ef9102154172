import type { Env } from "../env";
import { fromHex, toHex } from "../lib/encoding";
import { parseIp } from "../lib/ip";
import { openProxySecret } from "../pixel-config/proxy-secret";
import { loadPixelRecord, type PixelRecord } from "../pixel-config/record";

/**
 * The first-party path (docs/first-party.md): a client's own reverse proxy forwards the visitor's
 * address in `X-Client-Address` and signs it in `X-Client-Signature: t=<unix seconds>,v1=<hex>`,
 * the hex HMAC-SHA256 of `<t>.<address>.<pixel key>.<hex SHA-256 of the body>` keyed with the
 * pixel's proxy secret (its UTF-8 text): a signature vouches for one address, one pixel and one
 * hit (N14). Names are neutral: they appear on client sites, where the platform's brand never does.
 */
export const ADDRESS_HEADER = "x-client-address";
export const SIGNATURE_HEADER = "x-client-signature";
/** The path the proxy serves us under on the client's site (`/_t`): the script posts hits there. */
export const BASE_HEADER = "x-client-base";

/** How long a signature is good for, and how far ahead of our clock a proxy's may be. */
export const SIGNATURE_MAX_AGE_SECONDS = 60;
export const CLOCK_SKEW_SECONDS = 5;

const SIGNATURE = /^t=(\d{1,12}),v1=([0-9a-f]{64})$/;
const encoder = new TextEncoder();

/** What a proxy signs for one hit: the forwarded headers, the hit's pixel key and its body as received. */
export interface SignedHit {
  address: string | null;
  signature: string | null;
  pixelKey: string;
  body: Uint8Array;
}

/**
 * The forwarded address when the signature verifies with `secret` for this pixel key and body and is
 * fresh at `nowMs`, else null (missing, malformed, forged, stale, from the future, signed for another
 * key or body, or not an IPv4/IPv6 address).
 */
export async function verifiedAddress(secret: CryptoKey, hit: SignedHit, nowMs: number): Promise<string | null> {
  const ip = hit.address?.trim() ?? "";
  if (ip.length > 64 || parseIp(ip) === null) return null;
  const parts = SIGNATURE.exec(hit.signature?.trim().toLowerCase() ?? "");
  if (!parts) return null;
  const age = Math.floor(nowMs / 1000) - Number(parts[1]);
  if (age > SIGNATURE_MAX_AGE_SECONDS || age < -CLOCK_SKEW_SECONDS) return null;
  const bodyHash = toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", hit.body)));
  const signed = encoder.encode(`${parts[1]}.${ip}.${hit.pixelKey}.${bodyHash}`);
  // verify compares in constant time.
  const valid = await crypto.subtle.verify("HMAC", secret, fromHex(parts[2]!), signed);
  return valid ? ip : null;
}

export const importProxySecret = (secret: string) =>
  crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);

/** Opened secrets of this isolate by their sealed value, so a busy proxy costs one AES open per isolate. */
const opened = new Map<string, Promise<CryptoKey | null>>();
const OPENED_MAX = 1_000;

function secretKey(env: Env, record: PixelRecord, sealed: string): Promise<CryptoKey | null> {
  let key = opened.get(sealed);
  if (!key) {
    if (opened.size >= OPENED_MAX) opened.clear();
    // A secret that does not open (no WEBHOOK_SECRET_KEY, another owner) verifies nothing.
    key = openProxySecret(env, record.organizationId, sealed).then(importProxySecret, () => null);
    opened.set(sealed, key);
  }
  return key;
}

/** True when the request claims to come through a first-party proxy (it may still not verify). */
export const claimsForwarding = (headers: Headers) => headers.has(SIGNATURE_HEADER);

/** The visitor's address a first-party proxy forwarded and signed with this record's secret for this hit, or null. */
async function signedAddress(
  env: Env,
  headers: Headers,
  record: PixelRecord,
  hit: { pixelKey: string; body: Uint8Array },
): Promise<string | null> {
  if (!record.proxySecret) return null;
  const key = await secretKey(env, record, record.proxySecret);
  if (!key) return null;
  const signed = { ...hit, address: headers.get(ADDRESS_HEADER), signature: headers.get(SIGNATURE_HEADER) };
  return verifiedAddress(key, signed, Date.now());
}

/** When this isolate last read a key's record afresh because a signature did not verify (ms), by pixel key. */
const refreshed = new Map<string, number>();
const REFRESH_MS = 10_000;
const REFRESHED_MAX = 1_000;

/**
 * The visitor's address a first-party proxy forwarded and signed with the pixel's secret for this hit (or
 * null), and the record it verified with. A location keeps records for minutes (pixel-config/record.ts),
 * so a signature that does not verify with the record at hand is tried once more with the record read
 * afresh from KV, in case the secret was set or rotated since: at most once per key every 10 s in an
 * isolate, so forged signatures cannot make every hit a KV read.
 */
export async function forwardedAddress(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  headers: Headers,
  record: PixelRecord,
  hit: { pixelKey: string; body: Uint8Array },
): Promise<{ address: string | null; record: PixelRecord }> {
  const address = await signedAddress(env, headers, record, hit);
  const last = refreshed.get(hit.pixelKey) ?? 0;
  if (address !== null || Date.now() - last < REFRESH_MS) return { address, record };
  if (refreshed.size >= REFRESHED_MAX) refreshed.clear();
  refreshed.set(hit.pixelKey, Date.now());
  const fresh = await loadPixelRecord(env, ctx, hit.pixelKey, undefined, true);
  if (!fresh || fresh.proxySecret === record.proxySecret) return { address, record };
  return { address: await signedAddress(env, headers, fresh, hit), record: fresh };
}

/** One path segment or more, without `//` (a protocol-relative URL would leave the site's origin). */
const BASE_PATH = /^(\/[\w.~-]+)+\/?$/;

/**
 * Where the served script posts hits: under the proxy's base path on the page's own origin when a
 * first-party proxy says where it serves us, else our origin. A path cannot send hits to another
 * host, so it needs no signature.
 */
export function hitEndpoint(headers: Headers, ourOrigin: string, hitPath: string): string {
  const base = headers.get(BASE_HEADER)?.trim() ?? "";
  if (base.length <= 200 && BASE_PATH.test(base)) return base.replace(/\/$/, "") + hitPath;
  return ourOrigin + hitPath;
}
