import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonBody, jsonResponse } from "../../http/routes";
import { isoSeconds } from "../../lib/time";
import { writeThroughPixels } from "../../pixel-config/record";
import { OrganizationParams } from "../../http/schemas";
import { OrganizationSchema } from "../../organizations/schemas";
import { findOrganization, organizationWithBalance } from "../../organizations/organization";

const route = createRoute({
  method: "put",
  path: "/organizations/{organizationId}/status",
  summary: "Enable or disable a sub-organization",
  description:
    "Disabled organizations get an empty script and are never charged. The change reaches every edge location within about 60 seconds.",
  request: {
    params: OrganizationParams,
    body: jsonBody(z.object({ enabled: z.boolean() }).openapi("OrganizationStatus")),
  },
  responses: { 200: jsonResponse("The organization", z.object({ organization: OrganizationSchema })), ...commonErrors },
});

export const setOrganizationStatus = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const { enabled } = c.req.valid("json");
  const partnerId = c.get("partnerId");
  await findOrganization(c.env.DB, partnerId, organizationId);
  // Re-enabling a canceled organization makes it active again; disabling keeps a canceled one canceled.
  await c.env.DB.prepare(
    enabled
      ? "UPDATE organizations SET status = 'active', deleted_at = NULL, updated_at = ? WHERE id = ?"
      : "UPDATE organizations SET status = 'suspended', updated_at = ? WHERE id = ? AND status = 'active'",
  )
    .bind(isoSeconds(), organizationId)
    .run();
  await writeThroughPixels(c.env, [organizationId]);
  const row = await findOrganization(c.env.DB, partnerId, organizationId);
  return c.json({ organization: await organizationWithBalance(c.env, row) }, 200);
});
