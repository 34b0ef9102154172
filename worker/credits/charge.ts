import type { ChargeOutcome, ChargeRequest } from "./counter";
import { counterFor } from "./counter-client";
import { BUDGET_BUSY } from "./types";
import type { TenantEnv } from "../shards";

export interface OrganizationCharge extends ChargeRequest {
  organizationId: string;
}

/**
 * Hits of the organization its partner's budget could not decide yet (`budget_busy`): its batch is
 * retried, like one whose charge failed. Decided outcomes are remembered by the counter, so the
 * retry gets them again and charges nothing twice.
 */
export class BudgetBusy extends Error {
  constructor(organizationId: string, count: number) {
    super(`${count} hit(s) of ${organizationId} wait for credits other organizations' counters give back`);
  }
}

/** Charges identified hits, one counter call per organization, in parallel. Keyed by event id. */
export async function chargeByOrganization(
  env: TenantEnv,
  requests: OrganizationCharge[],
): Promise<Map<string, ChargeOutcome>> {
  const byOrganization = Map.groupBy(requests, (r) => r.organizationId);
  const outcomes = new Map<string, ChargeOutcome>();
  await Promise.all(
    [...byOrganization].map(async ([organizationId, group]) => {
      const batch = group.map(({ eventId, identity, at }) => ({ eventId, identity, at }));
      const answers = await counterFor(env, organizationId).charge(batch);
      const busy = answers.filter((a) => a.reason === BUDGET_BUSY).length;
      if (busy > 0) throw new BudgetBusy(organizationId, busy);
      for (const answer of answers) if (answer.reason !== BUDGET_BUSY) outcomes.set(answer.eventId, answer);
    }),
  );
  return outcomes;
}
