import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { OrganizationSchema, OrganizationStatusSchema } from "../../organizations/schemas";
import { PageFields, PageQuery, pageOf } from "../../http/schemas";
import { organizationWithBalance } from "../../organizations/organization";
import { organizationPage } from "../../organizations/queries";

const route = createRoute({
  method: "get",
  path: "/organizations",
  summary: "List sub-organizations",
  request: {
    query: z.object({
      ...PageQuery,
      status: OrganizationStatusSchema.optional(),
      search: z.string().max(255).optional().openapi({ description: "Case-insensitive substring of the name" }),
      externalId: z.string().max(255).optional(),
    }),
  },
  responses: {
    200: jsonResponse(
      "A page of organizations",
      z.object({ organizations: z.array(OrganizationSchema), ...PageFields }),
    ),
    ...commonErrors,
  },
});

export const listOrganizations = createApi().openapi(route, async (c) => {
  const { status, search, externalId, ...paging } = c.req.valid("query");
  const { page, pageSize, offset } = pageOf(paging);
  const filter = { status, search, externalId };
  const { rows, total } = await organizationPage(c.var.tenant.DB, c.get("partnerId"), filter, pageSize, offset);
  const organizations = await Promise.all(rows.map((row) => organizationWithBalance(c.var.tenant, row)));
  return c.json({ organizations, total, page, pageSize }, 200);
});
