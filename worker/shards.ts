import type { Env } from "./env";
import { ApiError } from "./lib/errors";

/**
 * Tenant data lives in N D1 databases, bound as TENANT_1 … TENANT_N; a partner's organizations and
 * everything under them all live in its shard, chosen at onboarding (`partners.shard` in the catalog,
 * `env.CATALOG`) and never changed. docs/operations.md#shards.
 */
export type Shard = number;

/** The Worker's env for one tenant shard: `DB` is that shard's database. */
export interface TenantEnv extends Env {
  DB: D1Database;
  SHARD: Shard;
}

const BINDING = /^TENANT_([1-9]\d*)$/;

/** The shards this Worker is bound to, ascending. */
export function shardsOf(env: Env): Shard[] {
  return Object.keys(env)
    .map((name) => BINDING.exec(name)?.[1])
    .filter((n) => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

export function tenantEnv(env: Env, shard: Shard): TenantEnv {
  const db = (env as unknown as Record<string, D1Database | undefined>)[`TENANT_${shard}`];
  if (!db) throw new Error(`no D1 binding TENANT_${shard} for shard ${shard}`);
  return { ...env, DB: db, SHARD: shard };
}

/** Every shard's env, for work that spans partners (cron, operator lists). */
export function everyTenant(env: Env): TenantEnv[] {
  return shardsOf(env).map((shard) => tenantEnv(env, shard));
}

// Shards never change, so a partner's is cached for the isolate's life.
const shardOfPartner = new Map<string, Shard>();

/** The env of a partner's shard; null for an unknown partner. */
export async function partnerTenant(env: Env, partnerId: string): Promise<TenantEnv | null> {
  let shard = shardOfPartner.get(partnerId);
  if (shard === undefined) {
    const row = await env.CATALOG.prepare("SELECT shard FROM partners WHERE id = ?")
      .bind(partnerId)
      .first<{ shard: Shard }>();
    if (!row) return null;
    shard = row.shard;
    shardOfPartner.set(partnerId, shard);
  }
  return tenantEnv(env, shard);
}

/** `partnerTenant` for a partner known to exist (its id came from the catalog or a stored row). */
export async function tenantOfPartner(env: Env, partnerId: string): Promise<TenantEnv> {
  const tenant = await partnerTenant(env, partnerId);
  if (!tenant) throw new Error(`partner ${partnerId} not found in the catalog`);
  return tenant;
}

/**
 * The shard a new partner goes to: the operator's choice, else the one with the fewest partners
 * (the lowest number on a tie).
 */
export async function shardForNewPartner(env: Env, requested: Shard | undefined): Promise<Shard> {
  const shards = shardsOf(env);
  if (requested !== undefined) {
    if (!shards.includes(requested)) {
      throw new ApiError("BadRequest", `Unknown shard ${requested}`, [
        { field: "shard", message: `must be one of ${shards.join(", ")}` },
      ]);
    }
    return requested;
  }
  const { results } = await env.CATALOG.prepare("SELECT shard, count(*) AS partners FROM partners GROUP BY shard").all<{
    shard: Shard;
    partners: number;
  }>();
  const count = new Map(results.map((r) => [r.shard, r.partners]));
  return shards.reduce((best, s) => ((count.get(s) ?? 0) < (count.get(best) ?? 0) ? s : best));
}

/** Durable Objects that belong to a shard are named `<shard>/<id>`. */
export function shardedName(shard: Shard, id: string): string {
  return `${shard}/${id}`;
}

export function parseShardedName(name: string): { shard: Shard; id: string } | null {
  const match = /^([1-9]\d*)\/(.+)$/.exec(name);
  return match ? { shard: Number(match[1]), id: match[2]! } : null;
}
