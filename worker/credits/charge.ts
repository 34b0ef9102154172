import type { Env } from "../env";
import type { ChargeOutcome, ChargeRequest } from "./counter";
import { configureCounter, counterFor } from "./counter-client";

export interface OrganizationCharge extends ChargeRequest {
  organizationId: string;
}

/** Charges identified hits, one counter call per organization, in parallel. Keyed by event id. */
export async function chargeByOrganization(
  env: Env,
  requests: OrganizationCharge[],
): Promise<Map<string, ChargeOutcome>> {
  const byOrganization = Map.groupBy(requests, (r) => r.organizationId);
  const outcomes = new Map<string, ChargeOutcome>();
  await Promise.all(
    [...byOrganization].map(async ([organizationId, group]) => {
      const counter = counterFor(env, organizationId);
      const batch = group.map(({ eventId, identity, at }) => ({ eventId, identity, at }));
      let result = await counter.charge(batch);
      if (result === null) {
        // First charge for an organization whose counter was never configured (e.g. restored data).
        await configureCounter(env, organizationId);
        result = await counter.charge(batch);
      }
      for (const outcome of result ?? []) outcomes.set(outcome.eventId, outcome);
    }),
  );
  return outcomes;
}
