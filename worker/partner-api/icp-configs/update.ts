import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonBody } from "../../http/routes";
import { findIcpConfig, toIcpConfig } from "../../icp/configs";
import { enqueueRescore } from "../../icp/jobs";
import { updateIcpConfig as updateConfig } from "../../icp/queries";
import { IcpGroupsSchema } from "../../icp/schemas";
import { findOrganization } from "../../organizations/organization";
import { IcpPriority, configParams, configResponse } from "./schemas";

const UpdateIcpConfigBody = z
  .object({
    name: z.string().trim().min(1).max(255).optional(),
    priority: IcpPriority.optional(),
    enabled: z.boolean().optional(),
    groups: IcpGroupsSchema.optional().openapi({ description: "Replaces all groups" }),
  })
  .openapi("UpdateIcpConfig");

const route = createRoute({
  method: "put",
  path: "/organizations/{organizationId}/icp-configs/{icpConfigId}",
  summary: "Change an ICP config",
  description: "Only sent fields change. Visitors are re-scored in the background, usually within seconds.",
  request: { params: configParams, body: jsonBody(UpdateIcpConfigBody) },
  responses: { 200: configResponse("The ICP config"), ...commonErrors },
});

export const updateIcpConfig = createApi().openapi(route, async (c) => {
  const { organizationId, icpConfigId } = c.req.valid("param");
  const db = c.var.tenant.DB;
  await findOrganization(db, c.get("partnerId"), organizationId);
  await findIcpConfig(db, organizationId, icpConfigId);
  const generation = await updateConfig(db, organizationId, icpConfigId, c.req.valid("json"));
  if (generation !== undefined) await enqueueRescore(c.var.tenant, organizationId, generation);
  return c.json({ icpConfig: toIcpConfig(await findIcpConfig(db, organizationId, icpConfigId)) }, 200);
});
