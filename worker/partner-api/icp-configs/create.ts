import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../../lib/errors";
import { commonErrors, createApi, errorResponses, jsonBody } from "../../http/routes";
import { findIcpConfig, toIcpConfig } from "../../icp/configs";
import { enqueueRescore } from "../../icp/jobs";
import { insertIcpConfig } from "../../icp/queries";
import { IcpGroupsSchema, MAX_CONFIGS_PER_ORGANIZATION } from "../../icp/schemas";
import { newId } from "../../lib/ids";
import { findOrganization } from "../../organizations/organization";
import { IcpPriority, configResponse } from "./schemas";
import { OrganizationParams } from "../../http/schemas";

const CreateIcpConfigBody = z
  .object({
    name: z.string().trim().min(1).max(255),
    priority: IcpPriority.default(100),
    enabled: z.boolean().default(true),
    groups: IcpGroupsSchema,
  })
  .openapi("CreateIcpConfig");

const route = createRoute({
  method: "post",
  path: "/organizations/{organizationId}/icp-configs",
  summary: "Create an ICP config",
  description: "Existing visitors are re-scored in the background, usually within seconds.",
  request: { params: OrganizationParams, body: jsonBody(CreateIcpConfigBody) },
  responses: { 201: configResponse("Created"), ...commonErrors, ...errorResponses(422) },
});

export const createIcpConfig = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const db = c.var.tenant.DB;
  await findOrganization(db, c.get("partnerId"), organizationId);
  const id = newId("icp");
  const generation = await insertIcpConfig(db, organizationId, id, c.req.valid("json"));
  if (generation === null) {
    throw new ApiError(
      "UnprocessableEntity",
      `An organization can have at most ${MAX_CONFIGS_PER_ORGANIZATION} ICP configs`,
      { limit: MAX_CONFIGS_PER_ORGANIZATION },
    );
  }
  await enqueueRescore(c.var.tenant, organizationId, generation);
  return c.json({ icpConfig: toIcpConfig(await findIcpConfig(db, organizationId, id)) }, 201);
});
