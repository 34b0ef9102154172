import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { loadPartner } from "../../partners/partner";
import { OrganizationParams } from "../../http/schemas";
import { OrganizationSchema } from "../../organizations/schemas";
import { organizationLimit } from "../../organizations/pool";
import { setStatus } from "../../organizations/queries";
import { holdCharges, syncOrganizations } from "../../organizations/sync";
import { findOrganization, organizationWithBalance } from "../../organizations/organization";
import { queueNotices } from "../../notices/queue";

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
  const partnerId = c.get("partnerId");
  const before = await findOrganization(c.var.tenant.DB, partnerId, organizationId);
  // Charges stop before D1 says disabled; every call (a retry too) writes the counter and KV again.
  if (!enabled) await holdCharges(c.var.tenant, organizationId);
  const { max_organizations: max } = await loadPartner(c.env.CATALOG, partnerId);
  if (!(await setStatus(c.var.tenant.DB, organizationId, enabled, max))) throw organizationLimit(max!);
  await syncOrganizations(c.var.tenant, [organizationId]);
  const row = await findOrganization(c.var.tenant.DB, partnerId, organizationId);
  if (enabled && before.status !== "active") {
    // The time it became active again names this reactivation: a retried call queues nothing new.
    await queueNotices(c.var.tenant, [
      {
        partnerId,
        organizationId,
        kind: "subscription_activated",
        cause: `${organizationId}|enabled|${row.updated_at}`,
        data: { reactivated: true },
      },
    ]);
  }
  return c.json({ organization: await organizationWithBalance(c.var.tenant, row) }, 200);
});
