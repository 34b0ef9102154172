import type { Env } from "../env";
import { readCounterConfig } from "./queries";

/** The credit counter of an organization (one Durable Object per organization id). */
export function counterFor(env: Env, organizationId: string) {
  return env.CREDITS.get(env.CREDITS.idFromName(organizationId));
}

/** Hands an organization's settings in D1 to its counter (after they changed). */
export async function configureCounter(env: Env, organizationId: string) {
  const config = await readCounterConfig(env.DB, organizationId);
  if (!config) throw new Error(`organization ${organizationId} not found`);
  return counterFor(env, organizationId).configure(config);
}
