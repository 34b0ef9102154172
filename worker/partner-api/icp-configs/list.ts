import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { toIcpConfig } from "../../icp/configs";
import { icpConfigPage } from "../../icp/queries";
import { IcpConfigSchema } from "../../icp/schemas";
import { findOrganization } from "../../organizations/organization";
import { PageQuery, pageOf, OrganizationParams } from "../../http/schemas";

const route = createRoute({
  method: "get",
  path: "/organizations/{organizationId}/icp-configs",
  summary: "List ICP configs in evaluation order",
  request: { params: OrganizationParams, query: z.object(PageQuery) },
  responses: {
    200: jsonResponse(
      "A page of ICP configs, lowest priority number first",
      z.object({
        icpConfigs: z.array(IcpConfigSchema),
        total: z.number().int(),
        page: z.number().int(),
        pageSize: z.number().int(),
      }),
    ),
    ...commonErrors,
  },
});

export const listIcpConfigs = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const { page, pageSize, offset } = pageOf(c.req.valid("query"));
  await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
  const { rows, total } = await icpConfigPage(c.var.tenant.DB, organizationId, pageSize, offset);
  return c.json({ icpConfigs: rows.map(toIcpConfig), total, page, pageSize }, 200);
});
