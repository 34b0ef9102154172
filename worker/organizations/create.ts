import type { z } from "@hono/zod-openapi";
import type { BillingPeriod, ProductType, Tier } from "../../shared/billing";
import { defaultBillingDay } from "../billing/period";
import { counterFor } from "../credits/counter-client";
import { poolFor } from "../credits/pool-client";
import { existingOrganizations } from "../credits/queries";
import { isUniqueViolation } from "../lib/errors";
import { newId, randomHex } from "../lib/ids";
import { queueNotices } from "../notices/queue";
import { loadPartner } from "../partners/partner";
import type { TenantEnv } from "../shards";
import { externalIdConflict, findOrganization, toOrganization } from "./organization";
import { allocationRefused, checkPartnerCap, checkTrialLimit, organizationLimit } from "./pool";
import { activeOrganizationCount, externalIdTaken, insertOrganization } from "./queries";
import type { OrganizationSchema } from "./schemas";
import { syncOrganizations } from "./sync";

/** A partner's new sub-organization, as the partner API takes it (defaults applied). */
export interface OrganizationRequest {
  name: string;
  externalId?: string;
  ownerUserId?: string;
  initialCredits: number;
  metadata: Record<string, unknown>;
  tier: Tier;
  billingPeriod: BillingPeriod;
  billingDayOfMonth?: number;
  productType: ProductType;
}

/**
 * Creates the partner's organization with its first allocation from the partner's pool; then its
 * counter and pixel record get their settings, and its `subscription_activated` notice is queued.
 */
export async function createOrganization(
  tenant: TenantEnv,
  partnerId: string,
  body: OrganizationRequest,
): Promise<z.infer<typeof OrganizationSchema>> {
  const db = tenant.DB;
  const partner = await loadPartner(tenant.CATALOG, partnerId);
  // The documented order of refusals; the pool and the insert decide each again, atomically.
  checkTrialLimit(body.tier, body.initialCredits);
  checkPartnerCap(partner.max_identifications_per_org, body.initialCredits);
  if (
    partner.max_organizations !== null &&
    (await activeOrganizationCount(db, partnerId)) >= partner.max_organizations
  ) {
    throw organizationLimit(partner.max_organizations);
  }
  if (body.externalId && (await externalIdTaken(db, partnerId, body.externalId)))
    throw externalIdConflict(body.externalId);

  // The pool reserves the first allocation before D1 has the organization, and forgets it if D1 does not have it.
  const id = newId("org");
  const pool = poolFor(tenant, partnerId);
  const reserved = await pool.register(id, body.initialCredits, body.tier);
  if (!reserved.ok) throw allocationRefused(reserved);
  const now = Date.now();
  let inserted: boolean;
  try {
    inserted = await insertOrganization(
      db,
      {
        id,
        partnerId,
        name: body.name,
        externalId: body.externalId ?? null,
        ownerUserId: body.ownerUserId ?? null,
        tier: body.tier,
        productType: body.productType,
        billingPeriod: body.billingPeriod,
        billingDayOfMonth: body.billingDayOfMonth ?? defaultBillingDay(now),
        credits: body.initialCredits,
        metadata: JSON.stringify(body.metadata),
        pixelKey: randomHex(12),
        allocationId: newId("alloc"),
      },
      partner.max_organizations,
      now,
    );
  } catch (error) {
    // The insert may have committed with its answer lost: then the organization exists and keeps its
    // reservation. If even that cannot be checked, the pool settles the registration later.
    if ((await existingOrganizations(db, [id])).has(id)) inserted = true;
    else {
      await pool.unregister(id);
      if (isUniqueViolation(error) && body.externalId) throw externalIdConflict(body.externalId, error);
      throw error;
    }
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
  const row = await findOrganization(db, partnerId, id);
  return toOrganization(row, await counterFor(tenant, id).balance());
}
