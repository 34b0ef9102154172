import { createRoute, z } from "@hono/zod-openapi";
import { defaultBillingDay } from "../../billing/period";
import { counterConfig, counterFor } from "../../credits/counter-client";
import { ApiError, isUniqueViolation } from "../../http/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { newId, randomHex } from "../../lib/ids";
import { isoSeconds } from "../../lib/time";
import { writeThroughPixels } from "../../pixel-config/record";
import { hasPool, loadPartner } from "../../partners/partner";
import { BillingPeriodInput, ProductTypeSchema, TierSchema } from "../../http/schemas";
import { MetadataSchema, OrganizationSchema } from "../../organizations/schemas";
import {
  ALLOCATED_BY_OTHERS,
  POOL_TOTAL,
  checkPartnerCap,
  checkTrialLimit,
  insufficientCredits,
} from "../../organizations/pool";
import { externalIdConflict, findOrganization, toOrganization } from "../../organizations/organization";

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
  const db = c.env.DB;
  const partner = await loadPartner(db, partnerId);
  checkTrialLimit(body.tier, body.initialCredits);
  checkPartnerCap(partner.max_identifications_per_org, body.initialCredits);

  if (partner.max_organizations !== null) {
    const count = await db
      .prepare("SELECT count(*) AS n FROM organizations WHERE partner_id = ? AND status != 'canceled'")
      .bind(partnerId)
      .first<{ n: number }>();
    if ((count?.n ?? 0) >= partner.max_organizations) {
      throw new ApiError(
        "UnprocessableEntity",
        `The partner account is limited to ${partner.max_organizations} organizations`,
      );
    }
  }
  if (body.externalId && (await externalIdTaken(db, partnerId, body.externalId)))
    throw externalIdConflict(body.externalId);

  const now = Date.now();
  const id = newId("org");
  const at = isoSeconds(now);
  // The pool check is part of the insert, so two creations cannot both take the last credits.
  const poolCondition = hasPool(partner.billing_mode) ? `WHERE ${ALLOCATED_BY_OTHERS} + ? <= ${POOL_TOTAL}` : "";
  const poolParams = hasPool(partner.billing_mode) ? [partnerId, id, body.initialCredits, partnerId] : [];
  const insert = db
    .prepare(
      `INSERT INTO organizations (id, partner_id, name, external_id, owner_user_id, status, tier, product_type,
         billing_period, billing_day_of_month, credits, metadata, created_at, updated_at)
       SELECT ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?, ?, ? ${poolCondition}`,
    )
    .bind(
      id,
      partnerId,
      body.name,
      body.externalId ?? null,
      body.ownerUserId ?? null,
      body.tier,
      body.productType,
      body.billingPeriod,
      body.billingDayOfMonth ?? defaultBillingDay(now),
      body.initialCredits,
      JSON.stringify(body.metadata),
      at,
      at,
      ...poolParams,
    );
  const pixel = db
    .prepare(
      `INSERT INTO pixels (organization_id, api_key, allowed_referrers, created_at, updated_at)
       SELECT ?, ?, '[]', ?, ? WHERE EXISTS (SELECT 1 FROM organizations WHERE id = ?)`,
    )
    .bind(id, randomHex(12), at, at, id);
  const allocation = db
    .prepare(
      `INSERT INTO credit_allocations (id, partner_id, organization_id, credits, notes, created_at)
       SELECT ?, ?, ?, ?, 'initial allocation', ? WHERE EXISTS (SELECT 1 FROM organizations WHERE id = ?)`,
    )
    .bind(newId("alloc"), partnerId, id, body.initialCredits, at, id);
  let inserted: boolean;
  try {
    const [result] = await db.batch([insert, pixel, allocation]);
    inserted = result.meta.changes === 1;
  } catch (error) {
    if (isUniqueViolation(error) && body.externalId) throw externalIdConflict(body.externalId, error);
    throw error;
  }
  if (!inserted) throw await insufficientCredits(db, partnerId, id, body.initialCredits);

  const row = await findOrganization(db, partnerId, id);
  const balance = await counterFor(c.env, id).configure(counterConfig(row));
  await writeThroughPixels(c.env, [id]);
  return c.json({ organization: toOrganization(row, balance) }, 201);
});

async function externalIdTaken(db: D1Database, partnerId: string, externalId: string) {
  const row = await db
    .prepare("SELECT 1 AS taken FROM organizations WHERE partner_id = ? AND external_id = ?")
    .bind(partnerId, externalId)
    .first();
  return row !== null;
}
