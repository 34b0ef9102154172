import type { Env } from "../env";

/** The credit pool of a partner (one Durable Object per partner id): allocations and budget. */
export function poolFor(env: Env, partnerId: string) {
  return env.POOLS.get(env.POOLS.idFromName(partnerId));
}
