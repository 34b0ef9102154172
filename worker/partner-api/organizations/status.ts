import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { OrganizationParams } from "../../http/schemas";
import { OrganizationSchema } from "../../organizations/schemas";
import { organizationWithBalance } from "../../organizations/organization";
import { setOrganizationEnabled } from "../../organizations/status";

const route = createRoute({
  method: "put",
  path: "/organizations/{organizationId}/status",
  summary: "Enable or disable a sub-organization",
  description:
    "Disabled organizations get an empty script and are never charged: the credit counter refuses at once, the script goes empty within about 60 seconds everywhere. " +
    "Re-enabling a canceled organization counts toward `maxOrganizations`.",
  request: {
    params: OrganizationParams,
    body: jsonBody(z.object({ enabled: z.boolean() }).openapi("OrganizationStatus")),
  },
  responses: {
    200: jsonResponse("The organization", z.object({ organization: OrganizationSchema })),
    ...commonErrors,
    ...errorResponses(422),
  },
});

export const setOrganizationStatus = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const { enabled } = c.req.valid("json");
  const { after } = await setOrganizationEnabled(c.var.tenant, c.get("partnerId"), organizationId, enabled);
  return c.json({ organization: await organizationWithBalance(c.var.tenant, after) }, 200);
});
