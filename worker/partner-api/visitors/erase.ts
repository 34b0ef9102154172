import { createRoute, z } from "@hono/zod-openapi";
import { notFound } from "../../lib/errors";
import { commonErrors, createApi } from "../../http/routes";
import { IdParam } from "../../http/schemas";
import { findOrganization } from "../../organizations/organization";
import { eraseVisitor } from "../../erasures/visitor";
import { storedVisitorId } from "../../visitors/identity";

const route = createRoute({
  method: "delete",
  path: "/organizations/{organizationId}/visitors/{visitorId}",
  summary: "Erase a visitor: its sessions, page views and identity go; charges keep their amounts without it",
  description:
    "For a data-subject erasure request. The visitor row, its sessions, page views and search terms, and the " +
    "`visitor.identified` webhook deliveries naming it are deleted; its receipts and ledger entries stay with " +
    "`visitorId`/`identity` null. Recorded in the audit log as `visitor.erased`. A person seen again later is a " +
    "new visitor with the same id: suppress them too to stop that.",
  request: {
    params: z.object({
      organizationId: IdParam("organizationId"),
      visitorId: IdParam("visitorId").openapi({ example: "vis_Ab3dE6gH9jK" }),
    }),
  },
  responses: { 204: { description: "Erased" }, ...commonErrors },
});

export const eraseVisitorRoute = createApi().openapi(route, async (c) => {
  const { organizationId, visitorId } = c.req.valid("param");
  const partnerId = c.get("partnerId");
  await findOrganization(c.var.tenant.DB, partnerId, organizationId);
  const stored = storedVisitorId(visitorId);
  const erased =
    stored !== null &&
    (await eraseVisitor(c.var.tenant, organizationId, stored, {
      partnerId,
      action: "visitor.erased",
      actor: { type: "api_key", id: c.get("apiKeyId") },
    }));
  if (!erased) throw notFound("Visitor");
  return c.body(null, 204);
});
