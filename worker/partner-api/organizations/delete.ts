import { createRoute, z } from "@hono/zod-openapi";
import { hasPool } from "../../../shared/billing";
import { poolFor } from "../../credits/pool-client";
import { ApiError } from "../../lib/errors";
import { commonErrors, createApi } from "../../http/routes";
import { OrganizationParams } from "../../http/schemas";
import { findOrganization } from "../../organizations/organization";
import { startPurge } from "../../organizations/purge";
import { cancel } from "../../organizations/queries";
import { holdCharges, syncOrganizations } from "../../organizations/sync";
import { loadPartner } from "../../partners/partner";
import { queueNotices } from "../../notices/queue";

const route = createRoute({
  method: "delete",
  path: "/organizations/{organizationId}",
  summary: "Delete (cancel) a sub-organization, or purge a canceled one",
  description:
    "Soft delete: the organization becomes `canceled`, is never charged again, its script goes empty (within about 60 seconds everywhere) and all its data is kept. " +
    "For pooled billing, the unused part of its allocation returns to the pool. `PUT …/status {enabled: true}` re-activates it. " +
    "Repeating the call completes whatever a failed one left undone.\n\n" +
    "With `purge=true`, on an organization already canceled: every record of it is deleted for good (visitors, sessions, " +
    "receipts, ledger, counts, settings, its credit counter and pixel record): it answers 404 from then on, and its rows " +
    "are deleted in the background, in small batches. " +
    "Recorded in the audit log as `organization.purged`. An organization not canceled yet answers 409.",
  request: {
    params: OrganizationParams,
    query: z.object({
      purge: z
        .enum(["true", "false"])
        .optional()
        .openapi({ description: "`true`: delete every record of an organization already canceled." }),
    }),
  },
  responses: {
    204: { description: "Canceled (also when it already was), or purged" },
    ...commonErrors,
  },
});

export const deleteOrganization = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const partnerId = c.get("partnerId");
  const org = await findOrganization(c.var.tenant.DB, partnerId, organizationId);
  const pooled = hasPool((await loadPartner(c.env.CATALOG, partnerId)).billing_mode);
  if (c.req.valid("query").purge === "true") {
    if (org.status !== "canceled")
      throw new ApiError("Conflict", "Only a canceled organization can be purged: delete it without purge first");
    await startPurge(
      c.var.tenant,
      { id: organizationId, partnerId, pooled },
      { type: "api_key", id: c.get("apiKeyId") },
    );
    return c.body(null, 204);
  }
  // Charges stop before D1 says canceled. A retry runs every step again: they are all idempotent.
  await holdCharges(c.var.tenant, organizationId);
  await cancel(c.var.tenant.DB, organizationId);
  await syncOrganizations(c.var.tenant, [organizationId]);
  // Named by when it was canceled, which a retry keeps: deleting again queues nothing new.
  const { deleted_at } = await findOrganization(c.var.tenant.DB, partnerId, organizationId);
  await queueNotices(c.var.tenant, [
    { partnerId, organizationId, kind: "subscription_canceled", cause: `${organizationId}|${deleted_at}`, data: {} },
  ]);
  if (pooled) await poolFor(c.env, partnerId).release(organizationId, "released: organization deleted");
  return c.body(null, 204);
});
