import { poolFor } from "../credits/pool-client";
import type { AllocationResult } from "../credits/types";
import type { TenantEnv } from "../shards";
import { findOrganization } from "./organization";

/**
 * Sets an organization's allocation (not an increment) through the partner's pool, which decides
 * it against its rules, hands it to the organization's counter (its ledger records it with `note`)
 * and mirrors it to D1. With `expected`, only if the allocation still is that: a form posted twice
 * changes it once. 404 for another partner's organization.
 */
export async function setAllocation(
  tenant: TenantEnv,
  partnerId: string,
  organizationId: string,
  change: { credits: number; note: string | null; expected?: number },
): Promise<AllocationResult> {
  await findOrganization(tenant.DB, partnerId, organizationId);
  return poolFor(tenant, partnerId).setAllocation(organizationId, change.credits, change.note, change.expected);
}
