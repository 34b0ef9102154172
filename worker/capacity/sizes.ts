import { configOf } from "../config";
import type { Env } from "../env";
import { everyTenant, type Shard } from "../shards";

/** D1's largest database: 10 GB. A database that reaches it fails every write, for every partner on it. */
export const D1_LIMIT_BYTES = 10_000_000_000;

/** One D1 database's size against D1's limit and the operator's alarm threshold (`SHARD_ALARM_PERCENT`). */
export interface DatabaseSize {
  /** `catalog`, or `shard-<n>`. */
  database: string;
  shard: Shard | null;
  bytes: number;
  limitBytes: number;
  percentOfLimit: number;
  /** At or past the alarm threshold: the operator is sent `database.size` (alarm.ts). */
  alarm: boolean;
}

/** The size D1 reports for a database (`meta.size_after`, read with the cheapest query). */
async function sizeOf(db: D1Database): Promise<number> {
  return (await db.prepare("SELECT 1").all()).meta.size_after;
}

export function databaseSize(env: Env, database: string, shard: Shard | null, bytes: number): DatabaseSize {
  const percentOfLimit = Math.round((bytes / D1_LIMIT_BYTES) * 100_000) / 1000;
  return {
    database,
    shard,
    bytes,
    limitBytes: D1_LIMIT_BYTES,
    percentOfLimit,
    alarm: percentOfLimit >= configOf(env).shardAlarmPercent,
  };
}

/** The catalog and every tenant shard, read at once. */
export async function databaseSizes(env: Env): Promise<DatabaseSize[]> {
  const tenants = everyTenant(env);
  const bytes = await Promise.all([sizeOf(env.CATALOG), ...tenants.map((t) => sizeOf(t.DB))]);
  return [
    databaseSize(env, "catalog", null, bytes[0]!),
    ...tenants.map((t, i) => databaseSize(env, `shard-${t.SHARD}`, t.SHARD, bytes[i + 1]!)),
  ];
}
