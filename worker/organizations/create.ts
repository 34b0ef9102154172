import type { BillingPeriod, ProductType, Tier } from "../../shared/billing";
import { defaultBillingDay } from "../billing/period";
import { poolFor } from "../credits/pool-client";
import { existingOrganizations } from "../credits/queries";
import { queueNotices } from "../email/notices";
import { isUniqueViolation } from "../lib/errors";
import { newId, randomHex } from "../lib/ids";
import { loadPartner } from "../partners/partner";
import type { TenantEnv } from "../shards";
import { externalIdConflict, organizationRow, type OrganizationRow } from "./organization";
import { allocationRefused, checkPartnerCap, checkTrialLimit, organizationLimit } from "./pool";
import { activeOrganizationCount, externalIdTaken, insertOrganization } from "./queries";
import { syncOrganizations } from "./sync";

/** A new organization, as the partner API and the console ask for it (defaults applied). */
export interface OrganizationInput {
  name: string;
  externalId?: string;
  ownerUserId?: string;
  initialCredits: number;
  metadata: Record<string, unknown>;
  tier: Tier;
  billingPeriod: BillingPeriod;
  billingDayOfMonth?: number;
  productType: ProductType;
  /** Hosts its pixel accepts hits from, normalized (`example.com`, `*.example.com`); none: every host. */
  allowedReferrers?: string[];
}

/**
 * Creates an organization of the partner with its pixel and first allocation, refusing in the
 * documented order (trial limit, partner cap, organization limit, a taken `externalId`, the pool).
 * The id may be the caller's (derived from a form, say): a repeated call with an id that exists
 * creates nothing and answers that organization with `created: false`.
 */
export async function createOrganization(
  tenant: TenantEnv,
  partnerId: string,
  input: OrganizationInput,
  id = newId("org"),
): Promise<{ row: OrganizationRow; created: boolean }> {
  const db = tenant.DB;
  const existing = await organizationRow(db, partnerId, id);
  if (existing) return { row: existing, created: false };
  const partner = await loadPartner(tenant.CATALOG, partnerId);
  // The documented order of refusals; the pool and the insert decide each again, atomically.
  checkTrialLimit(input.tier, input.initialCredits);
  checkPartnerCap(partner.max_identifications_per_org, input.initialCredits);
  if (
    partner.max_organizations !== null &&
    (await activeOrganizationCount(db, partnerId)) >= partner.max_organizations
  ) {
    throw organizationLimit(partner.max_organizations);
  }
  if (input.externalId && (await externalIdTaken(db, partnerId, input.externalId)))
    throw externalIdConflict(input.externalId);

  // The pool reserves the first allocation before D1 has the organization, and forgets it if D1 does not have it.
  const pool = poolFor(tenant, partnerId);
  const reserved = await pool.register(id, input.initialCredits, input.tier);
  if (!reserved.ok) throw allocationRefused(reserved);
  const now = Date.now();
  let inserted: boolean;
  try {
    const [result] = await db.batch(
      insertOrganization(
        db,
        {
          id,
          partnerId,
          name: input.name,
          externalId: input.externalId ?? null,
          ownerUserId: input.ownerUserId ?? null,
          tier: input.tier,
          productType: input.productType,
          billingPeriod: input.billingPeriod,
          billingDayOfMonth: input.billingDayOfMonth ?? defaultBillingDay(now),
          credits: input.initialCredits,
          metadata: JSON.stringify(input.metadata),
          pixelKey: randomHex(12),
          allocationId: newId("alloc"),
          allowedReferrers: JSON.stringify(input.allowedReferrers ?? []),
        },
        partner.max_organizations,
        now,
      ),
    );
    inserted = result!.meta.changes === 1;
  } catch (error) {
    // The id exists after all (the same form posted twice at once): that call created it and keeps
    // its reservation, which this one shared.
    if ((await existingOrganizations(db, [id])).has(id)) {
      const row = await organizationRow(db, partnerId, id);
      if (row) return { row, created: false };
    }
    await pool.unregister(id);
    if (isUniqueViolation(error) && input.externalId) throw externalIdConflict(input.externalId, error);
    throw error;
  }
  if (!inserted) {
    await pool.unregister(id);
    throw organizationLimit(partner.max_organizations!);
  }

  await syncOrganizations(tenant, [id]);
  await queueNotices(tenant, [
    {
      partnerId,
      organizationId: id,
      kind: "subscription_activated",
      cause: `${id}|created`,
      data: { reactivated: false },
    },
  ]);
  return { row: (await organizationRow(db, partnerId, id))!, created: true };
}
