import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { toIcpConfig, type IcpConfigRow } from "../../icp/configs";
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
  const db = c.var.tenant.DB;
  await findOrganization(db, c.get("partnerId"), organizationId);
  const [rows, count] = await db.batch<IcpConfigRow | { total: number }>([
    db
      .prepare("SELECT * FROM icp_configs WHERE organization_id = ? ORDER BY priority, created_at, id LIMIT ? OFFSET ?")
      .bind(organizationId, pageSize, offset),
    db.prepare("SELECT count(*) AS total FROM icp_configs WHERE organization_id = ?").bind(organizationId),
  ]);
  const icpConfigs = (rows!.results as IcpConfigRow[]).map(toIcpConfig);
  return c.json({ icpConfigs, total: (count!.results[0] as { total: number }).total, page, pageSize }, 200);
});
