import { createRoute } from "@hono/zod-openapi";
import { commonErrors, createApi } from "../../http/routes";
import { findIcpConfig, toIcpConfig } from "../../icp/configs";
import { findOrganization } from "../../organizations/organization";
import { configParams, configResponse } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/organizations/{organizationId}/icp-configs/{icpConfigId}",
  summary: "Get an ICP config",
  request: { params: configParams },
  responses: { 200: configResponse("The ICP config"), ...commonErrors },
});

export const getIcpConfig = createApi().openapi(route, async (c) => {
  const { organizationId, icpConfigId } = c.req.valid("param");
  await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
  return c.json({ icpConfig: toIcpConfig(await findIcpConfig(c.var.tenant.DB, organizationId, icpConfigId)) }, 200);
});
