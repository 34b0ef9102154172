import { createRoute } from "@hono/zod-openapi";
import { ApiError, notFound } from "../../http/errors";
import { commonErrors, createApi, errorResponses } from "../../http/routes";
import { findOrganization } from "../../organizations/organization";
import { deleteSegment } from "../../segments/queries";
import { segmentParams } from "./schemas";

const route = createRoute({
  method: "delete",
  path: "/organizations/{organizationId}/segments/{segmentId}",
  summary: "Delete a segment",
  description:
    "A segment an alert rule reads is not deleted: 409 `Conflict` with the rules in `details.alertRules` " +
    "(`[{ id, name }]`); change or delete them first. Recorded in the audit log as `segment.deleted`.",
  request: { params: segmentParams },
  responses: { 204: { description: "Deleted" }, ...commonErrors, ...errorResponses(409) },
});

export const deleteSegmentRoute = createApi().openapi(route, async (c) => {
  const { organizationId, segmentId } = c.req.valid("param");
  const partnerId = c.get("partnerId");
  await findOrganization(c.var.tenant.DB, partnerId, organizationId);
  const deleted = await deleteSegment(c.var.tenant.DB, { partnerId, organizationId }, segmentId, {
    type: "api_key",
    id: c.get("apiKeyId"),
  });
  if (deleted === "not_found") throw notFound("Segment");
  if (deleted !== "deleted") {
    const names = deleted.usedBy.map((rule) => `"${rule.name}"`).join(", ");
    throw new ApiError("Conflict", `The segment is used by alert rules: ${names}`, { alertRules: deleted.usedBy });
  }
  return c.body(null, 204);
});
