import type { BillingPeriod, ProductType, Tier } from "../../shared/billing";
import type { Actor } from "../audit/actions";
import { auditStatement } from "../audit/queries";
import { defaultBillingDay } from "../billing/period";
import { poolFor } from "../credits/pool-client";
import { existingOrganizations } from "../credits/queries";
import { isUniqueViolation } from "../lib/errors";
import { newId, randomHex } from "../lib/ids";
import { queueNotices } from "../notices/queue";
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
 * creates nothing and answers that organization with `created: false`. With an `actor`, the
 * creation is on the audit log, written with the organization itself: once, whoever posts twice.
 */
export async function createOrganization(
  tenant: TenantEnv,
  partnerId: string,
  input: OrganizationInput,
  options: { id?: string; actor?: Actor } = {},
): Promise<{ row: OrganizationRow; created: boolean }> {
  const id = options.id ?? newId("org");
  const db = tenant.DB;
  const existing = options.id ? await organizationRow(db, partnerId, id) : null;
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
  // "found": the insert threw, yet the organization is there (below).
  let insert: "inserted" | "refused" | "found";
  try {
    const [result] = await db.batch([
      ...insertOrganization(
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
      ...(options.actor ? [createdAudit(db, partnerId, id, input, options.actor, now)] : []),
    ]);
    insert = result!.meta.changes === 1 ? "inserted" : "refused";
  } catch (error) {
    // The organization may exist after all: the insert committed with its answer lost, or the same
    // form posted twice at once inserted it first. Either way it keeps the reservation (shared, for
    // a twice-posted form) and the rest below is safe to repeat. If even that cannot be checked,
    // the pool settles the registration later.
    if (!(await existingOrganizations(db, [id])).has(id)) {
      await pool.unregister(id);
      if (isUniqueViolation(error) && input.externalId) throw externalIdConflict(input.externalId, error);
      throw error;
    }
    insert = "found";
  }
  if (insert === "refused") {
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
  return { row: (await organizationRow(db, partnerId, id))!, created: insert === "inserted" };
}

/** The audit entry of a creation, written only when the batch it is part of created the organization. */
const createdAudit = (
  db: D1Database,
  partnerId: string,
  id: string,
  input: OrganizationInput,
  actor: Actor,
  at: number,
) =>
  auditStatement(
    db,
    {
      partnerId,
      organizationId: id,
      action: "organization.created",
      actor,
      details: {
        name: input.name,
        tier: input.tier,
        productType: input.productType,
        initialCredits: input.initialCredits,
        allowedReferrers: input.allowedReferrers ?? [],
      },
    },
    at,
    { sql: "EXISTS (SELECT 1 FROM organizations WHERE id = ?)", params: [id] },
  );
