import { sendJobs } from "../jobs/message";
import type { ProductType } from "../../shared/billing";
import { coreConfigOf } from "../core-config";
import type { ConsentMode } from "../../shared/hit";
import type { Env } from "../env";
import { everyTenant, type Shard, type TenantEnv } from "../shards";
import { countFailure, failingTooOften } from "../rate-limit/failures";

/**
 * What the hot path needs about a pixel key, kept in KV (one read per hit).
 * D1 is the source of truth; every change through the API writes this through, and the
 * reconciliation (organizations/sync.ts) repairs any record that differs from D1.
 * KV is eventually consistent: a change reaches every location within about 60 s
 * (docs/collect.md explains what that means for disabling an organization).
 */
export interface PixelRecord {
  /** The organization's `sync_version` this record was written from. */
  version: number;
  organizationId: string;
  partnerId: string;
  /** The partner's tenant shard: where the consumer stores this pixel's hits. */
  shard: Shard;
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
  /**
   * The first-party proxy secret, sealed (lib/sealing.ts); opened only for a hit that carries a
   * forwarding signature (edge/forwarded-address.ts). Absent in records written before it existed.
   */
  proxySecret?: string | null;
}

/** KV value of a key rotated away (`forgetPixelKey`), so its old record stops serving at once. */
interface MissingRecord {
  missing: true;
}

/** How long a missing key stays known as missing (KV after a rotation; the location's cache after a D1 miss). */
const MISSING_TTL_SECONDS = 60;
/** Edge cache of KV reads; KV's minimum. */
const CACHE_TTL_SECONDS = 30;
/**
 * How long a location keeps a record it read (Cache API: free, shared by the location's isolates), and an
 * isolate the record it used. Together they bound how late a settings change reaches a location's hits:
 * KV's minute to reach it, then at most 240 + 60 s (docs/collect.md#consistency-what-a-settings-change-means).
 */
const LOCATION_TTL_SECONDS = 240;
const MEMORY_TTL_MS = 60_000;
const MEMORY_MAX_KEYS = 10_000;

/** A pixel as D1 holds it: the tenant's pixel and organization rows with their partner's from the catalog. */
export interface PixelRow extends TenantPixelRow {
  shard: Shard;
  partner_status: string;
  global_name: string | null;
}

interface TenantPixelRow {
  organization_id: string;
  sync_version: number;
  partner_id: string;
  api_key: string;
  org_status: string;
  allowed_referrers: string;
  product_type: ProductType;
  respect_privacy_signals: number;
  hash_routing: number;
  consent_mode: ConsentMode;
  proxy_secret: string | null;
}

const SELECT_PIXEL = `
  SELECT p.organization_id, o.sync_version, o.partner_id, p.api_key, o.status AS org_status, p.allowed_referrers,
    o.product_type, p.respect_privacy_signals, p.hash_routing, p.consent_mode, p.proxy_secret
  FROM pixels p JOIN organizations o ON o.id = p.organization_id`;

/** The tenant's rows completed with their partners' status and global name (one catalog read). */
async function withPartners(tenant: TenantEnv, rows: TenantPixelRow[]): Promise<PixelRow[]> {
  if (rows.length === 0) return [];
  const { results } = await tenant.CATALOG.prepare(
    "SELECT id, status, global_name FROM partners WHERE id IN (SELECT value FROM json_each(?))",
  )
    .bind(JSON.stringify([...new Set(rows.map((r) => r.partner_id))]))
    .all<{ id: string; status: string; global_name: string | null }>();
  const partners = new Map(results.map((p) => [p.id, p]));
  return rows.map((row) => {
    const partner = partners.get(row.partner_id);
    return {
      ...row,
      shard: tenant.SHARD,
      partner_status: partner?.status ?? "suspended",
      global_name: partner?.global_name ?? null,
    };
  });
}

export function toRecord(row: PixelRow, env: Env): PixelRecord {
  return {
    version: row.sync_version,
    organizationId: row.organization_id,
    partnerId: row.partner_id,
    shard: row.shard,
    enabled: row.org_status === "active" && row.partner_status === "active",
    allowedReferrers: JSON.parse(row.allowed_referrers) as string[],
    productType: row.product_type,
    respectPrivacySignals: row.respect_privacy_signals === 1,
    hashRouting: row.hash_routing === 1,
    consentMode: row.consent_mode,
    globalName: row.global_name ?? coreConfigOf(env).defaultGlobalName,
    proxySecret: row.proxy_secret,
  };
}

/**
 * Records this isolate used in the last minute, oldest first (a Map keeps insertion order): a busy site's
 * hits skip every lookup. Writes through this isolate update it at once.
 */
const memory = new Map<string, { record: PixelRecord | null; until: number }>();

/** Empties this isolate's memory, as a freshly started isolate has it (tests of the location's cache, KV and D1). */
export function forgetRememberedPixels(): void {
  memory.clear();
}

function remember(apiKey: string, record: PixelRecord | null): void {
  memory.delete(apiKey);
  if (memory.size >= MEMORY_MAX_KEYS) memory.delete(memory.keys().next().value!);
  memory.set(apiKey, { record, until: Date.now() + MEMORY_TTL_MS });
}

/** The location's cache entry of a key; the host is never resolved, it only names the entry. */
const locationUrl = (apiKey: string) => `https://pixel-records.invalid/${apiKey}`;

/** What the location's cache holds for a key: its record, null (a missing key), or undefined (nothing). */
async function fromLocation(apiKey: string): Promise<PixelRecord | null | undefined> {
  const entry = await caches.default.match(locationUrl(apiKey));
  if (!entry) return undefined;
  const value = await entry.json<PixelRecord | MissingRecord>();
  return "missing" in value ? null : value;
}

/** Keeps a key's record (null: missing) in this location's cache for LOCATION_TTL_SECONDS (a missing key's shorter). */
export function keepInLocation(apiKey: string, record: PixelRecord | null): Promise<void> {
  const ttl = record ? LOCATION_TTL_SECONDS : MISSING_TTL_SECONDS;
  const entry = new Response(JSON.stringify(record ?? { missing: true }), {
    headers: { "cache-control": `max-age=${ttl}` },
  });
  return caches.default.put(locationUrl(apiKey), entry);
}

/** Forgets what this location's cache holds for these keys, as a location that never read them (tests). */
export async function forgetLocationPixels(...apiKeys: string[]): Promise<void> {
  await Promise.all(apiKeys.map((k) => caches.default.delete(locationUrl(k))));
}

/**
 * The record for a pixel key: the isolate's memory, then the location's cache, then KV (each read kept in
 * both, so a location reads a key from KV at most once in LOCATION_TTL_SECONDS); on a KV miss, D1, and KV
 * is repopulated in the background. A key D1 does not know is remembered as unknown in the isolate and the
 * location (never written to KV), so repeats cost no D1 query and no write. With the caller's `address`,
 * unknown keys count as failed lookups: an address that sends too many gets "unknown" without D1 until its
 * budget renews. `fresh`: skip the isolate and the location (a record that may be out of date, such as a
 * proxy secret that no longer verifies).
 */
export async function loadPixelRecord(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  apiKey: string,
  address?: string,
  fresh = false,
): Promise<PixelRecord | null> {
  if (!fresh) {
    const known = memory.get(apiKey);
    if (known && known.until > Date.now()) return known.record;
    const located = await fromLocation(apiKey);
    if (located !== undefined) {
      remember(apiKey, located);
      return located;
    }
  }
  const cached = await env.PIXELS.get<PixelRecord | MissingRecord>(apiKey, {
    type: "json",
    cacheTtl: CACHE_TTL_SECONDS,
  });
  if (cached) {
    const record = "missing" in cached ? null : cached;
    remember(apiKey, record);
    ctx.waitUntil(keepInLocation(apiKey, record));
    return record;
  }
  if (address !== undefined && failingTooOften("pixel-key", address)) return null;
  const row = await pixelRowOfKey(env, apiKey);
  const record = row ? toRecord(row, env) : null;
  remember(apiKey, record);
  ctx.waitUntil(keepInLocation(apiKey, record));
  if (record) {
    ctx.waitUntil(env.PIXELS.put(apiKey, JSON.stringify(record)));
  } else if (address !== undefined) {
    ctx.waitUntil(countFailure(env, "pixel-key", address).catch(() => false));
  }
  return record;
}

/**
 * A key's row, looked for in every shard at once (a key does not name its shard). Only a KV miss
 * gets here: every write goes through KV, and unknown keys are remembered and count as failures.
 */
async function pixelRowOfKey(env: Env, apiKey: string): Promise<PixelRow | null> {
  const found = await Promise.all(
    everyTenant(env).map(async (tenant) => {
      const row = await tenant.DB.prepare(`${SELECT_PIXEL} WHERE p.api_key = ?`).bind(apiKey).first<TenantPixelRow>();
      return row ? (await withPartners(tenant, [row]))[0]! : null;
    }),
  );
  return found.find((row) => row !== null) ?? null;
}

/** The D1 rows the KV records of these organizations are made from. */
export async function pixelRows(tenant: TenantEnv, organizationIds: string[]): Promise<PixelRow[]> {
  if (organizationIds.length === 0) return [];
  const { results } = await tenant.DB.prepare(
    `${SELECT_PIXEL} WHERE p.organization_id IN (SELECT value FROM json_each(?))`,
  )
    .bind(JSON.stringify(organizationIds))
    .all<TenantPixelRow>();
  return withPartners(tenant, results);
}

/** A page of D1 rows by organization id, after `after` (the reconciliation's sweep). */
export async function pixelRowsAfter(tenant: TenantEnv, after: string, limit: number): Promise<PixelRow[]> {
  const { results } = await tenant.DB.prepare(
    `${SELECT_PIXEL} WHERE p.organization_id > ? ORDER BY p.organization_id LIMIT ?`,
  )
    .bind(after, limit)
    .all<TenantPixelRow>();
  return withPartners(tenant, results);
}

/** Writes the KV records of these rows (always: a retry repairs what a failed write left). */
export async function putPixelRecords(env: Env, rows: PixelRow[]): Promise<void> {
  await Promise.all(
    rows.map((row) => {
      const record = toRecord(row, env);
      remember(row.api_key, record);
      // This location sees the change at once; others within their cache's time (LOCATION_TTL_SECONDS).
      return Promise.all([env.PIXELS.put(row.api_key, JSON.stringify(record)), keepInLocation(row.api_key, record)]);
    }),
  );
}

/**
 * After a change of pixel settings in D1: a new version for the organizations' records, written to
 * KV at once. Their counters need nothing from it; the reconciliation marks them synced later.
 */
export async function writeThroughPixels(env: TenantEnv, organizationIds: string[]): Promise<void> {
  if (organizationIds.length === 0) return;
  await env.DB.prepare(
    "UPDATE organizations SET sync_version = sync_version + 1 WHERE id IN (SELECT value FROM json_each(?))",
  )
    .bind(JSON.stringify(organizationIds))
    .run();
  await putPixelRecords(env, await pixelRows(env, organizationIds));
}

/**
 * After a change to a partner-wide field the records (and the counters) carry: status, global
 * name, billing mode, caps. Every organization of the partner gets a new version; the JOBS queue
 * rewrites them in bounded batches (organizations/sync.ts), so a request never touches them one by one.
 */
export async function writeThroughPartnerPixels(env: TenantEnv, partnerId: string): Promise<void> {
  await env.DB.prepare("UPDATE organizations SET sync_version = sync_version + 1 WHERE partner_id = ?")
    .bind(partnerId)
    .run();
  await sendJobs(env, [{ type: "organizations.sync", partnerId, after: null }]);
}

/** A key that no longer exists (rotated away) is remembered as missing. */
export async function forgetPixelKey(env: Env, apiKey: string): Promise<void> {
  remember(apiKey, null);
  await env.PIXELS.put(apiKey, JSON.stringify({ missing: true }), { expirationTtl: MISSING_TTL_SECONDS });
  await keepInLocation(apiKey, null);
}

/** A purged organization's key: its record leaves KV (the edge then finds it in D1 no more). */
export async function forgetPixelRecord(env: Env, apiKey: string): Promise<void> {
  remember(apiKey, null);
  await env.PIXELS.delete(apiKey);
  await keepInLocation(apiKey, null);
}
