import { queueNotices } from "../notices/queue";
import { loadPartner } from "../partners/partner";
import type { TenantEnv } from "../shards";
import { findOrganization, type OrganizationRow } from "./organization";
import { organizationLimit } from "./pool";
import { setStatus } from "./queries";
import { holdCharges, syncOrganizations } from "./sync";

/**
 * Enables or disables (pauses) an organization. Disabled, its script goes empty and its counter
 * refuses every charge: charges stop before D1 says disabled, and every call (a retry too) writes
 * the counter and KV again. Re-enabling a canceled organization counts toward `maxOrganizations`.
 * Answers the organization before and after.
 */
export async function setOrganizationEnabled(
  tenant: TenantEnv,
  partnerId: string,
  organizationId: string,
  enabled: boolean,
): Promise<{ before: OrganizationRow; after: OrganizationRow }> {
  const before = await findOrganization(tenant.DB, partnerId, organizationId);
  if (!enabled) await holdCharges(tenant, organizationId);
  const { max_organizations: max } = await loadPartner(tenant.CATALOG, partnerId);
  if (!(await setStatus(tenant.DB, organizationId, enabled, max))) throw organizationLimit(max!);
  await syncOrganizations(tenant, [organizationId]);
  const after = await findOrganization(tenant.DB, partnerId, organizationId);
  if (enabled && before.status !== "active") {
    // The time it became active again names this reactivation: a retried call queues nothing new.
    await queueNotices(tenant, [
      {
        partnerId,
        organizationId,
        kind: "subscription_activated",
        cause: `${organizationId}|enabled|${after.updated_at}`,
        data: { reactivated: true },
      },
    ]);
  }
  return { before, after };
}
