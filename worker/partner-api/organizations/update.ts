import { createRoute, z } from "@hono/zod-openapi";
import type { Scope } from "../../../shared/accounts";
import { configureCounter } from "../../credits/counter-client";
import { ApiError, isUniqueViolation } from "../../lib/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { writeThroughPixels } from "../../pixel-config/record";
import { hasScope } from "../auth";
import { BillingPeriodInput, OrganizationParams, ProductTypeSchema } from "../../http/schemas";
import { MetadataSchema, OrganizationSchema } from "../../organizations/schemas";
import {
  externalIdConflict,
  findOrganization,
  organizationWithBalance,
  type OrganizationRow,
} from "../../organizations/organization";
import { updateOrganization as updateOrganizationRow } from "../../organizations/queries";

const UpdateOrganizationBody = z
  .object({
    name: z.string().trim().min(1).max(255).optional(),
    externalId: z.string().trim().min(1).max(255).nullable().optional().openapi({ description: "null removes it" }),
    metadata: MetadataSchema.optional().openapi({ description: "Replaces the whole metadata object" }),
    ownerUserId: z.string().max(255).nullable().optional(),
    billingPeriod: BillingPeriodInput.optional(),
    billingDayOfMonth: z.number().int().min(1).max(28).optional(),
    productType: ProductTypeSchema.optional(),
  })
  .openapi("UpdateOrganization");

const route = createRoute({
  method: "put",
  path: "/organizations/{organizationId}",
  summary: "Change a sub-organization",
  description:
    "Only sent fields change. Changing `billingPeriod` or `billingDayOfMonth` is a billing change and needs the `admin` scope; " +
    "the new schedule takes over at the end of the running period (`billingChangeEffectiveAt`), with a first period at least a full one long.",
  request: { params: OrganizationParams, body: jsonBody(UpdateOrganizationBody) },
  responses: {
    200: jsonResponse("The organization", z.object({ organization: OrganizationSchema })),
    ...commonErrors,
    ...errorResponses(409),
  },
});

/** Body field → column. */
const COLUMNS = {
  name: "name",
  externalId: "external_id",
  metadata: "metadata",
  ownerUserId: "owner_user_id",
  billingPeriod: "billing_period",
  billingDayOfMonth: "billing_day_of_month",
  productType: "product_type",
} as const satisfies Record<string, keyof OrganizationRow>;

export const updateOrganization = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const body = c.req.valid("json");
  const partnerId = c.get("partnerId");
  const db = c.var.tenant.DB;
  const before = await findOrganization(db, partnerId, organizationId);
  const billingChanged =
    (body.billingPeriod !== undefined && body.billingPeriod !== before.billing_period) ||
    (body.billingDayOfMonth !== undefined && body.billingDayOfMonth !== before.billing_day_of_month);
  if (billingChanged && !hasScope(c.get("scopes") as Scope[], "admin")) {
    throw new ApiError("Forbidden", "Changing the billing period or day needs the 'admin' scope");
  }

  const changes = (Object.keys(COLUMNS) as (keyof typeof COLUMNS)[])
    .filter((field) => body[field] !== undefined)
    .map((field): [keyof OrganizationRow, unknown] => [
      COLUMNS[field],
      field === "metadata" ? JSON.stringify(body.metadata) : body[field],
    ]);
  try {
    // A billing change is behind until the counter has it: if telling the counter fails below, the
    // reconciliation (organizations/sync.ts) tells it.
    await updateOrganizationRow(db, partnerId, organizationId, changes, billingChanged);
  } catch (error) {
    // organizations_external_id: unique per partner.
    if (body.externalId && isUniqueViolation(error)) throw externalIdConflict(body.externalId, error);
    throw error;
  }

  // The counter decides periods: it keeps the running one and schedules the new rule at its end.
  // Sent again after a failure, the same values find D1 changed already: the counter is told anyway.
  if (body.billingPeriod !== undefined || body.billingDayOfMonth !== undefined) {
    await configureCounter(c.var.tenant, organizationId);
  }
  // The hot path reads the product type from KV.
  if (body.productType !== undefined && body.productType !== before.product_type)
    await writeThroughPixels(c.var.tenant, [organizationId]);

  const row = await findOrganization(db, partnerId, organizationId);
  return c.json({ organization: await organizationWithBalance(c.var.tenant, row) }, 200);
});
