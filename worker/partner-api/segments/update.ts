import { createRoute, z } from "@hono/zod-openapi";
import { notFound } from "../../lib/errors";
import { commonErrors, createApi, errorResponses, jsonBody } from "../../http/routes";
import { findOrganization } from "../../organizations/organization";
import { updateSegment } from "../../segments/queries";
import { refusal, SegmentFilterBody, segmentParams, SegmentName, segmentResponse } from "./schemas";

const UpdateSegmentBody = z
  .object({
    name: SegmentName.optional(),
    filter: SegmentFilterBody.optional().openapi({ description: "Replaces the whole filter" }),
  })
  .openapi("UpdateSegment");

const route = createRoute({
  method: "put",
  path: "/organizations/{organizationId}/segments/{segmentId}",
  summary: "Change a segment",
  description:
    "Only sent fields change; `filter` replaces the whole filter. Alert rules, digests and saved dashboard views " +
    "reading the segment use the new filter from then on. Recorded in the audit log as `segment.updated`.",
  request: { params: segmentParams, body: jsonBody(UpdateSegmentBody) },
  responses: { 200: segmentResponse("The segment"), ...commonErrors, ...errorResponses(409) },
});

export const updateSegmentRoute = createApi().openapi(route, async (c) => {
  const { organizationId, segmentId } = c.req.valid("param");
  const partnerId = c.get("partnerId");
  await findOrganization(c.var.tenant.DB, partnerId, organizationId);
  const updated = await updateSegment(c.var.tenant.DB, { partnerId, organizationId }, segmentId, c.req.valid("json"), {
    type: "api_key",
    id: c.get("apiKeyId"),
  });
  if (!updated) throw notFound("Segment");
  if (!("segment" in updated)) throw refusal(updated);
  return c.json({ segment: updated.segment }, 200);
});
