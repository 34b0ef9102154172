import { createRoute, z } from "@hono/zod-openapi";
import type { Scope } from "../../../shared/accounts";
import { counterFor } from "../../credits/counter-client";
import { ApiError } from "../../lib/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { hasScope } from "../auth";
import { BillingPeriodInput, ProductTypeSchema, TierSchema } from "../../http/schemas";
import { createOrganization as create } from "../../organizations/create";
import { MetadataSchema, OrganizationSchema } from "../../organizations/schemas";
import { toOrganization } from "../../organizations/organization";

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
  if (body.initialCredits > 0 && !hasScope(c.get("scopes") as Scope[], "admin")) {
    throw new ApiError("Forbidden", "Creating an organization with initialCredits needs the 'admin' scope");
  }
  const { row } = await create(c.var.tenant, c.get("partnerId"), body);
  return c.json({ organization: toOrganization(row, await counterFor(c.var.tenant, row.id).balance()) }, 201);
});
