import type { z } from "@hono/zod-openapi";
import type { ApiKeyStatus, Scope } from "../../shared/accounts";
import { sha256Hex } from "../lib/crypto";
import { newId, randomHex } from "../lib/ids";
import { isoSeconds } from "../lib/time";
import type { Shard } from "../shards";
import type { ApiKeySchema } from "./schemas";

export type ApiKey = z.infer<typeof ApiKeySchema>;

/** Prefix of every partner key (docs/partner-api.md#conventions: `pk_live_` + 32 lowercase hex). */
export const KEY_PREFIX = "pk_live_";
/** Characters of the key shown back to partners and used to find it. */
export const SHOWN_PREFIX_LENGTH = 12;

/**
 * Issues a new partner API key. Only its SHA-256 is stored; the plain key is returned once.
 * With `maxActiveKeys`, null (and no key) when the partner already has that many usable keys:
 * one statement, so parallel requests cannot overshoot the limit.
 */
export async function issueApiKey(
  db: D1Database,
  partnerId: string,
  name: string,
  scopes: Scope[] = [],
  expiresAt: string | null = null,
  options: { maxActiveKeys?: number } = {},
): Promise<{ apiKey: ApiKey; plainKey: string } | null> {
  const { apiKey, plainKey, statement } = await apiKeyStatement(db, partnerId, name, scopes, expiresAt, options);
  const { meta } = await statement.run();
  return meta.changes === 0 ? null : { apiKey, plainKey };
}

/** The same as a statement, so a new partner and its first key are written together. */
export async function apiKeyStatement(
  db: D1Database,
  partnerId: string,
  name: string,
  scopes: Scope[] = [],
  expiresAt: string | null = null,
  options: { maxActiveKeys?: number } = {},
): Promise<{ apiKey: ApiKey; plainKey: string; statement: D1PreparedStatement }> {
  const plainKey = KEY_PREFIX + randomHex(16);
  const apiKey: ApiKey = {
    id: newId("key"),
    name,
    keyPrefix: plainKey.slice(0, SHOWN_PREFIX_LENGTH),
    scopes,
    status: "active",
    expiresAt,
    lastUsedAt: null,
    createdAt: isoSeconds(),
  };
  const limit =
    options.maxActiveKeys === undefined
      ? ""
      : `WHERE (SELECT count(*) FROM api_keys WHERE partner_id = ?2 AND status = 'active'
           AND (expires_at IS NULL OR expires_at > ?8)) < ${Math.floor(options.maxActiveKeys)}`;
  const statement = db
    .prepare(
      `INSERT INTO api_keys (id, partner_id, name, key_prefix, key_hash, scopes, status, expires_at, created_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'active', ?7, ?8 ${limit}`,
    )
    .bind(
      apiKey.id,
      partnerId,
      name,
      apiKey.keyPrefix,
      await sha256Hex(plainKey),
      JSON.stringify(scopes),
      expiresAt,
      apiKey.createdAt,
    );
  return { apiKey, plainKey, statement };
}

export interface ApiKeyRow {
  id: string;
  name: string;
  key_prefix: string;
  scopes: string;
  status: ApiKeyStatus;
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    name: row.name,
    keyPrefix: row.key_prefix,
    scopes: JSON.parse(row.scopes) as Scope[],
    status: row.status,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    createdAt: row.created_at,
  };
}

/** A key found by its shown prefix, with what authenticating a request needs. */
export interface KeyCandidate {
  id: string;
  partner_id: string;
  key_hash: string;
  scopes: string;
  status: string;
  expires_at: string | null;
  last_used_at: string | null;
  partner_status: string;
  shard: Shard;
}

/** Every key whose shown prefix is this one (its hash tells which, if any, was sent). */
export async function keysWithPrefix(db: D1Database, prefix: string): Promise<KeyCandidate[]> {
  const { results } = await db
    .prepare(
      `SELECT k.id, k.partner_id, k.key_hash, k.scopes, k.status, k.expires_at, k.last_used_at, p.status AS partner_status,
         p.shard
       FROM api_keys k JOIN partners p ON p.id = k.partner_id WHERE k.key_prefix = ?`,
    )
    .bind(prefix)
    .all<KeyCandidate>();
  return results;
}

export async function recordKeyUse(db: D1Database, keyId: string, at: number): Promise<void> {
  await db.prepare("UPDATE api_keys SET last_used_at = ? WHERE id = ?").bind(isoSeconds(at), keyId).run();
}

/** The partner's keys, revoked ones included, newest first. */
export async function listApiKeys(db: D1Database, partnerId: string): Promise<ApiKey[]> {
  const { results } = await db
    .prepare(
      `SELECT id, name, key_prefix, scopes, status, expires_at, last_used_at, created_at
       FROM api_keys WHERE partner_id = ? ORDER BY created_at DESC, id`,
    )
    .bind(partnerId)
    .all<ApiKeyRow>();
  return results.map(toApiKey);
}

/** SQL: key `k` can manage keys (full access or `admin`), is active and not expired at ?3. */
const adminCapable = (k: string) => `(${k}.status = 'active' AND (${k}.expires_at IS NULL OR ${k}.expires_at > ?3)
  AND (${k}.scopes = '[]' OR EXISTS (SELECT 1 FROM json_each(${k}.scopes) WHERE value = 'admin')))`;

/**
 * Revokes the partner's key (an already revoked one stays so), unless it is the last usable key
 * with admin access: one statement, so two parallel revocations cannot both pass that check.
 */
export async function revokeApiKey(
  db: D1Database,
  partnerId: string,
  keyId: string,
): Promise<"revoked" | "not_found" | "last_admin_key"> {
  const key = await db
    .prepare("SELECT status FROM api_keys WHERE id = ? AND partner_id = ?")
    .bind(keyId, partnerId)
    .first<{ status: string }>();
  if (!key) return "not_found";
  if (key.status !== "active") return "revoked";
  const { meta } = await db
    .prepare(
      `UPDATE api_keys AS target SET status = 'revoked' WHERE id = ?1 AND partner_id = ?2 AND status = 'active'
       AND (NOT ${adminCapable("target")}
            OR EXISTS (SELECT 1 FROM api_keys other WHERE other.partner_id = ?2 AND other.id != ?1 AND ${adminCapable("other")}))`,
    )
    .bind(keyId, partnerId, isoSeconds())
    .run();
  if (meta.changes > 0) return "revoked";
  const still = await db.prepare("SELECT status FROM api_keys WHERE id = ?").bind(keyId).first<{ status: string }>();
  return still?.status === "active" ? "last_admin_key" : "revoked";
}
