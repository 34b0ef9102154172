import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonBody } from "../../http/routes";
import { findIcpConfig, toIcpConfig } from "../../icp/configs";
import { enqueueRescore, nextGeneration } from "../../icp/jobs";
import { IcpGroupsSchema } from "../../icp/schemas";
import { isoSeconds } from "../../lib/time";
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
  const body = c.req.valid("json");
  const db = c.var.tenant.DB;
  await findOrganization(db, c.get("partnerId"), organizationId);
  await findIcpConfig(db, organizationId, icpConfigId);
  const update = db
    .prepare(
      `UPDATE icp_configs SET name = coalesce(?, name), priority = coalesce(?, priority), enabled = coalesce(?, enabled),
         groups = coalesce(?, groups), updated_at = ? WHERE id = ? AND organization_id = ?`,
    )
    .bind(
      body.name ?? null,
      body.priority ?? null,
      body.enabled === undefined ? null : body.enabled ? 1 : 0,
      body.groups ? JSON.stringify(body.groups) : null,
      isoSeconds(),
      icpConfigId,
      organizationId,
    );
  // A new name shows through the visitors' join at once; anything else changes who matches.
  const rescore = body.priority !== undefined || body.enabled !== undefined || body.groups !== undefined;
  if (rescore) {
    const [, bump] = await db.batch<{ generation: number }>([update, nextGeneration(db, organizationId, icpConfigId)]);
    const generation = bump!.results[0]?.generation;
    if (generation !== undefined) await enqueueRescore(c.var.tenant, organizationId, generation);
  } else {
    await update.run();
  }
  return c.json({ icpConfig: toIcpConfig(await findIcpConfig(db, organizationId, icpConfigId)) }, 200);
});
