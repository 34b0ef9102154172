import { SELECT_ORGANIZATION, organizationWithBalance, type OrganizationRow } from "../organizations/organization";
import type { TenantEnv } from "../shards";

/**
 * An organization as the partner API answers it (credits from its counter), so the dashboard and
 * the console show exactly the API's numbers. Null when it does not exist or belongs to another partner.
 */
export async function organizationOf(env: TenantEnv, partnerId: string, organizationId: string) {
  const row = await env.DB.prepare(`${SELECT_ORGANIZATION} WHERE o.id = ? AND o.partner_id = ?`)
    .bind(organizationId, partnerId)
    .first<OrganizationRow>();
  return row ? organizationWithBalance(env, row) : null;
}

export type OrganizationView = NonNullable<Awaited<ReturnType<typeof organizationOf>>>;
