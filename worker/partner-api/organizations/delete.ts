import { createRoute } from "@hono/zod-openapi";
import { hasPool } from "../../../shared/billing";
import { poolFor } from "../../credits/pool-client";
import { commonErrors, createApi } from "../../http/routes";
import { OrganizationParams } from "../../http/schemas";
import { findOrganization } from "../../organizations/organization";
import { cancel } from "../../organizations/queries";
import { holdCharges, syncOrganizations } from "../../organizations/sync";

const route = createRoute({
  method: "delete",
  path: "/organizations/{organizationId}",
  summary: "Delete (cancel) a sub-organization",
  description:
    "Soft delete: the organization becomes `canceled`, is never charged again, its script goes empty (within about 60 seconds everywhere) and all its data is kept. " +
    "For pooled billing, the unused part of its allocation returns to the pool. `PUT …/status {enabled: true}` re-activates it. " +
    "Repeating the call completes whatever a failed one left undone.",
  request: { params: OrganizationParams },
  responses: { 204: { description: "Canceled (also when it already was)" }, ...commonErrors },
});

export const deleteOrganization = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const partnerId = c.get("partnerId");
  const org = await findOrganization(c.env.DB, partnerId, organizationId);
  // Charges stop before D1 says canceled. A retry runs every step again: they are all idempotent.
  await holdCharges(c.env, organizationId);
  await cancel(c.env.DB, organizationId);
  await syncOrganizations(c.env, [organizationId]);
  if (hasPool(org.billing_mode))
    await poolFor(c.env, partnerId).release(organizationId, "released: organization deleted");
  return c.body(null, 204);
});
