import type { z } from "@hono/zod-openapi";
import type { ApiKeyStatus, Scope } from "../../shared/accounts";
import { sha256Hex } from "../lib/crypto";
import { newId, randomHex } from "../lib/ids";
import { isoSeconds } from "../lib/time";
import type { ApiKeySchema } from "./schemas";

export type ApiKey = z.infer<typeof ApiKeySchema>;

/** Prefix of every partner key (docs/partner-api.md#conventions: `pk_live_` + 32 lowercase hex). */
export const KEY_PREFIX = "pk_live_";
/** Characters of the key shown back to partners and used to find it. */
export const SHOWN_PREFIX_LENGTH = 12;

/**
 * A new partner API key. Only its SHA-256 is stored; the plain key is returned once.
 * Returns the insert statement so callers can batch it with the partner they create.
 * With `maxActiveKeys`, the insert does nothing (0 changes) when the partner already has that
 * many usable keys: one statement, so parallel requests cannot overshoot the limit.
 */
export async function issueApiKey(
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
