import { createRoute } from "@hono/zod-openapi";
import { ApiError, notFound } from "../../lib/errors";
import { commonErrors, createApi, errorResponses } from "../../http/routes";
import { findOrganization } from "../../organizations/organization";
import { deleteSegment } from "../../segments/queries";
import { segmentParams } from "./schemas";

const route = createRoute({
  method: "delete",
  path: "/organizations/{organizationId}/segments/{segmentId}",
  summary: "Delete a segment",
  description:
    "A segment an alert rule or a digest reads is not deleted: 409 `Conflict` with the rules in `details.alertRules` " +
    "(`[{ id, name }]`) and the digest recipients in `details.digestRecipients` (`[{ email, frequency }]`); change " +
    "them first. Recorded in the audit log as `segment.deleted`.",
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
    const users = [
      ...(deleted.usedBy.length > 0
        ? [`alert rules ${deleted.usedBy.map((rule) => `"${rule.name}"`).join(", ")}`]
        : []),
      ...(deleted.digestRecipients.length > 0
        ? [`the digests of ${deleted.digestRecipients.map((r) => `${r.email} (${r.frequency})`).join(", ")}`]
        : []),
    ];
    throw new ApiError("Conflict", `The segment is used by ${users.join(" and ")}`, {
      alertRules: deleted.usedBy,
      digestRecipients: deleted.digestRecipients,
    });
  }
  return c.body(null, 204);
});
