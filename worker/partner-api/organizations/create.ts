import { createRoute, z } from "@hono/zod-openapi";
import type { Scope } from "../../../shared/accounts";
import { defaultBillingDay } from "../../billing/period";
import { counterFor } from "../../credits/counter-client";
import { poolFor } from "../../credits/pool-client";
import { existingOrganizations } from "../../credits/queries";
import { ApiError, isUniqueViolation } from "../../lib/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { newId, randomHex } from "../../lib/ids";
import { loadPartner } from "../../partners/partner";
import { hasScope } from "../auth";
import { BillingPeriodInput, ProductTypeSchema, TierSchema } from "../../http/schemas";
import { MetadataSchema, OrganizationSchema } from "../../organizations/schemas";
import { allocationRefused, checkPartnerCap, checkTrialLimit, organizationLimit } from "../../organizations/pool";
import { activeOrganizationCount, externalIdTaken, insertOrganization } from "../../organizations/queries";
import { syncOrganizations } from "../../organizations/sync";
import { externalIdConflict, findOrganization, toOrganization } from "../../organizations/organization";
import { queueNotices } from "../../notices/queue";

const CreateOrganizationBody = z
  .object({
    name: z.string().trim().min(1).max(255),
    externalId: z.string().trim().min(1).max(255).optional(),
    ownerUserId: z.string().max(255).optional(),
    initialCredits: z.number().int().min(0).default(0),
    metadata: MetadataSchema.default({}),
    tier: TierSchema.default("trial"),
    billingPeriod: BillingPeriodInput.default("monthly"),
    billingDayOfMonth: z.number().int().min(1).max(28).optional(),
    productType: ProductTypeSchema.default("B2B"),
  })
  .openapi("CreateOrganization");

const route = createRoute({
  method: "post",
  path: "/organizations",
  summary: "Create a sub-organization",
  request: { body: jsonBody(CreateOrganizationBody) },
  responses: {
    201: jsonResponse("Created", z.object({ organization: OrganizationSchema })),
    ...commonErrors,
    ...errorResponses(409, 422),
  },
});

export const createOrganization = createApi().openapi(route, async (c) => {
  const body = c.req.valid("json");
  const partnerId = c.get("partnerId");
  const db = c.var.tenant.DB;
  if (body.initialCredits > 0 && !hasScope(c.get("scopes") as Scope[], "admin")) {
    throw new ApiError("Forbidden", "Creating an organization with initialCredits needs the 'admin' scope");
  }
  const partner = await loadPartner(c.env.CATALOG, partnerId);
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
  const pool = poolFor(c.env, partnerId);
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

  await syncOrganizations(c.var.tenant, [id]);
  await queueNotices(c.var.tenant, [
    {
      partnerId,
      organizationId: id,
      kind: "subscription_activated",
      cause: `${id}|created`,
      data: { reactivated: false },
    },
  ]);
  const row = await findOrganization(db, partnerId, id);
  return c.json({ organization: toOrganization(row, await counterFor(c.var.tenant, id).balance()) }, 201);
});
