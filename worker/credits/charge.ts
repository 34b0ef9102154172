import type { ChargeAnswer, ChargeRequest } from "./counter";
import { counterFor } from "./counter-client";
import type { TenantEnv } from "../shards";

export interface OrganizationCharge extends ChargeRequest {
  organizationId: string;
}

/** Charges identified hits, one counter call per organization, in parallel. Keyed by event id (`budget_busy`: ask again later). */
export async function chargeByOrganization(
  env: TenantEnv,
  requests: OrganizationCharge[],
): Promise<Map<string, ChargeAnswer>> {
  const byOrganization = Map.groupBy(requests, (r) => r.organizationId);
  const outcomes = new Map<string, ChargeAnswer>();
  await Promise.all(
    [...byOrganization].map(async ([organizationId, group]) => {
      const batch = group.map(({ eventId, identity, at }) => ({ eventId, identity, at }));
      for (const outcome of await counterFor(env, organizationId).charge(batch)) outcomes.set(outcome.eventId, outcome);
    }),
  );
  return outcomes;
}
