import { createRoute, z } from "@hono/zod-openapi";
import { TRIAL_CREDIT_LIMIT } from "../../../shared/billing";
import { poolFor } from "../../credits/pool-client";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { OrganizationParams, TierSchema } from "../../http/schemas";
import { OrganizationSchema } from "../../organizations/schemas";
import { allocationRefused } from "../../organizations/pool";
import { findOrganization, organizationWithBalance } from "../../organizations/organization";

const route = createRoute({
  method: "put",
  path: "/organizations/{organizationId}/tier",
  summary: "Move a sub-organization between trial and paid",
  description: `A trial organization can hold at most ${TRIAL_CREDIT_LIMIT} credits: lower the allocation first.`,
  request: {
    params: OrganizationParams,
    body: jsonBody(z.object({ tier: TierSchema }).openapi("OrganizationTier")),
  },
  responses: {
    200: jsonResponse("The organization", z.object({ organization: OrganizationSchema })),
    ...commonErrors,
    ...errorResponses(422),
  },
});

export const setOrganizationTier = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const { tier } = c.req.valid("json");
  const partnerId = c.get("partnerId");
  await findOrganization(c.var.tenant.DB, partnerId, organizationId);
  // The partner's pool decides tier and allocation changes one at a time, so neither slips past the other.
  const result = await poolFor(c.env, partnerId).setTier(organizationId, tier);
  if (!result.ok) throw allocationRefused(result);
  const row = await findOrganization(c.var.tenant.DB, partnerId, organizationId);
  return c.json({ organization: await organizationWithBalance(c.var.tenant, row) }, 200);
});
