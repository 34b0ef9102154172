import { createRoute } from "@hono/zod-openapi";
import { commonErrors, createApi } from "../../http/routes";
import { findIcpConfig } from "../../icp/configs";
import { enqueueRescore } from "../../icp/jobs";
import { deleteIcpConfig as deleteConfig } from "../../icp/queries";
import { findOrganization } from "../../organizations/organization";
import { configParams } from "./schemas";

const route = createRoute({
  method: "delete",
  path: "/organizations/{organizationId}/icp-configs/{icpConfigId}",
  summary: "Delete an ICP config",
  description: "Visitors it matched are re-scored against the remaining configs in the background.",
  request: { params: configParams },
  responses: { 204: { description: "Deleted" }, ...commonErrors },
});

export const deleteIcpConfig = createApi().openapi(route, async (c) => {
  const { organizationId, icpConfigId } = c.req.valid("param");
  const db = c.var.tenant.DB;
  await findOrganization(db, c.get("partnerId"), organizationId);
  await findIcpConfig(db, organizationId, icpConfigId);
  const generation = await deleteConfig(db, organizationId, icpConfigId);
  await enqueueRescore(c.var.tenant, organizationId, generation);
  return c.body(null, 204);
});
