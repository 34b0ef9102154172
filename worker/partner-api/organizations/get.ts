import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { OrganizationParams } from "../../http/schemas";
import { OrganizationSchema } from "../../organizations/schemas";
import { findOrganization, organizationWithBalance } from "../../organizations/organization";

const route = createRoute({
  method: "get",
  path: "/organizations/{organizationId}",
  summary: "Get a sub-organization",
  request: { params: OrganizationParams },
  responses: { 200: jsonResponse("The organization", z.object({ organization: OrganizationSchema })), ...commonErrors },
});

export const getOrganization = createApi().openapi(route, async (c) => {
  const row = await findOrganization(c.var.tenant.DB, c.get("partnerId"), c.req.valid("param").organizationId);
  return c.json({ organization: await organizationWithBalance(c.var.tenant, row) }, 200);
});
