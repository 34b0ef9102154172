import { readCounterConfig } from "./queries";
import { shardedName, type TenantEnv } from "../shards";

/** The credit counter of an organization (one Durable Object per organization, named `<shard>/<organization id>`). */
export function counterFor(env: TenantEnv, organizationId: string) {
  return env.CREDITS.get(env.CREDITS.idFromName(shardedName(env.SHARD, organizationId)));
}

/** Hands an organization's settings in D1 to its counter (after they changed). */
export async function configureCounter(env: TenantEnv, organizationId: string) {
  const config = await readCounterConfig(env, organizationId);
  if (!config) throw new Error(`organization ${organizationId} not found`);
  return counterFor(env, organizationId).configure(config);
}
