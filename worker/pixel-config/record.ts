import type { ProductType } from "../../shared/billing";
import { configOf } from "../config";
import type { ConsentMode } from "../../shared/hit";
import type { Env } from "../env";
import { countFailure, failingTooOften } from "../rate-limit/failures";

/**
 * What the hot path needs about a pixel key, kept in KV (one read per hit).
 * D1 is the source of truth; every change through the API writes this through.
 * KV is eventually consistent: a change reaches every location within about 60 s
 * (docs/collect.md explains what that means for disabling an organization).
 */
export interface PixelRecord {
  organizationId: string;
  partnerId: string;
  /** Organization active (not suspended or canceled) and partner active. */
  enabled: boolean;
  allowedReferrers: string[];
  productType: ProductType;
  /** Honour Do-Not-Track / Global Privacy Control. */
  respectPrivacySignals: boolean;
  hashRouting: boolean;
  /** What the script holds back until the site grants consent. */
  consentMode: ConsentMode;
  globalName: string;
}

/** KV value of a key rotated away (`forgetPixelKey`), so its old record stops serving at once. */
interface MissingRecord {
  missing: true;
}

/** How long a missing key stays known as missing (KV after a rotation; the cache after a D1 miss). */
const MISSING_TTL_SECONDS = 60;
/** Edge cache of KV reads; KV's minimum. */
const CACHE_TTL_SECONDS = 30;

interface PixelRow {
  organization_id: string;
  partner_id: string;
  api_key: string;
  org_status: string;
  partner_status: string;
  allowed_referrers: string;
  product_type: ProductType;
  respect_privacy_signals: number;
  hash_routing: number;
  consent_mode: ConsentMode;
  global_name: string | null;
}

const SELECT_PIXEL = `
  SELECT p.organization_id, o.partner_id, p.api_key, o.status AS org_status, pa.status AS partner_status,
    p.allowed_referrers, o.product_type, p.respect_privacy_signals, p.hash_routing, p.consent_mode, pa.global_name
  FROM pixels p JOIN organizations o ON o.id = p.organization_id JOIN partners pa ON pa.id = o.partner_id`;

function toRecord(row: PixelRow, env: Env): PixelRecord {
  return {
    organizationId: row.organization_id,
    partnerId: row.partner_id,
    enabled: row.org_status === "active" && row.partner_status === "active",
    allowedReferrers: JSON.parse(row.allowed_referrers) as string[],
    productType: row.product_type,
    respectPrivacySignals: row.respect_privacy_signals === 1,
    hashRouting: row.hash_routing === 1,
    consentMode: row.consent_mode,
    globalName: row.global_name ?? configOf(env).defaultGlobalName,
  };
}

/**
 * Records this isolate read in the last few seconds. A busy site sends many hits to the same
 * isolate: they skip even the KV read. Adds at most MEMORY_TTL_MS to KV's propagation delay;
 * writes through this isolate update it at once.
 */
const memory = new Map<string, { record: PixelRecord | null; until: number }>();
const MEMORY_TTL_MS = 10_000;
const MEMORY_MAX_KEYS = 5_000;

/** Empties this isolate's memory, as a freshly started isolate has it (tests of the KV and D1 paths). */
export function forgetRememberedPixels(): void {
  memory.clear();
}

function remember(apiKey: string, record: PixelRecord | null): void {
  if (memory.size >= MEMORY_MAX_KEYS) memory.clear();
  memory.set(apiKey, { record, until: Date.now() + MEMORY_TTL_MS });
}

/**
 * The record for a pixel key: memory, then KV; on a KV miss, D1, and KV is repopulated in the
 * background. A key D1 does not know is remembered as unknown in this isolate and in the
 * location's cache (never written to KV), so repeats cost no D1 query and no write. With the
 * caller's `address`, unknown keys count as failed lookups: an address that sends too many gets
 * "unknown" without D1 until its budget renews.
 */
export async function loadPixelRecord(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  apiKey: string,
  address?: string,
): Promise<PixelRecord | null> {
  const known = memory.get(apiKey);
  if (known && known.until > Date.now()) return known.record;
  const cached = await env.PIXELS.get<PixelRecord | MissingRecord>(apiKey, {
    type: "json",
    cacheTtl: CACHE_TTL_SECONDS,
  });
  if (cached) {
    const record = "missing" in cached ? null : cached;
    remember(apiKey, record);
    return record;
  }
  if (await knownUnknown(apiKey)) {
    remember(apiKey, null);
    return null;
  }
  if (address !== undefined && failingTooOften("pixel-key", address)) return null;
  const row = await env.DB.prepare(`${SELECT_PIXEL} WHERE p.api_key = ?`).bind(apiKey).first<PixelRow>();
  const record = row ? toRecord(row, env) : null;
  remember(apiKey, record);
  if (record) {
    ctx.waitUntil(env.PIXELS.put(apiKey, JSON.stringify(record)));
  } else {
    ctx.waitUntil(rememberUnknown(apiKey));
    if (address !== undefined) ctx.waitUntil(countFailure(env, "pixel-key", address).catch(() => false));
  }
  return record;
}

/** Cache API entry of a key D1 did not know; the host is never resolved, it only names the entry. */
const unknownKeyUrl = (apiKey: string) => `https://unknown-pixel-keys.invalid/${apiKey}`;

async function knownUnknown(apiKey: string): Promise<boolean> {
  return (await caches.default.match(unknownKeyUrl(apiKey))) !== undefined;
}

async function rememberUnknown(apiKey: string): Promise<void> {
  const entry = new Response("unknown", { headers: { "cache-control": `max-age=${MISSING_TTL_SECONDS}` } });
  await caches.default.put(unknownKeyUrl(apiKey), entry);
}

/** Writes the KV records of these organizations from D1; call after every change that affects them. */
export async function writeThroughPixels(env: Env, organizationIds: string[]): Promise<void> {
  if (organizationIds.length === 0) return;
  const { results } = await env.DB.prepare(
    `${SELECT_PIXEL} WHERE p.organization_id IN (SELECT value FROM json_each(?))`,
  )
    .bind(JSON.stringify(organizationIds))
    .all<PixelRow>();
  await Promise.all(
    results.map((row) => {
      const record = toRecord(row, env);
      remember(row.api_key, record);
      return env.PIXELS.put(row.api_key, JSON.stringify(record));
    }),
  );
}

/** Organizations written through per KV round (keeps the number of parallel KV writes small). */
const PARTNER_CHUNK = 50;

/**
 * Rewrites the KV pixel records of every organization of a partner, after a change to a
 * partner-wide field the hot path reads (status, global name).
 */
export async function writeThroughPartnerPixels(env: Env, partnerId: string): Promise<void> {
  const { results } = await env.DB.prepare("SELECT id FROM organizations WHERE partner_id = ?")
    .bind(partnerId)
    .all<{ id: string }>();
  for (let i = 0; i < results.length; i += PARTNER_CHUNK) {
    await writeThroughPixels(
      env,
      results.slice(i, i + PARTNER_CHUNK).map((row) => row.id),
    );
  }
}

/** A key that no longer exists (rotated away) is remembered as missing. */
export async function forgetPixelKey(env: Env, apiKey: string): Promise<void> {
  remember(apiKey, null);
  await env.PIXELS.put(apiKey, JSON.stringify({ missing: true }), { expirationTtl: MISSING_TTL_SECONDS });
}
