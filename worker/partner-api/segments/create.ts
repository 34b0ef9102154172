import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, errorResponses, jsonBody } from "../../http/routes";
import { OrganizationParams } from "../../http/schemas";
import { findOrganization } from "../../organizations/organization";
import { createSegment, MAX_SEGMENTS_PER_ORGANIZATION } from "../../segments/queries";
import { refusal, SegmentFilterBody, SegmentName, segmentResponse } from "./schemas";

const CreateSegmentBody = z.object({ name: SegmentName, filter: SegmentFilterBody }).openapi("CreateSegment");

const route = createRoute({
  method: "post",
  path: "/organizations/{organizationId}/segments",
  summary: "Save a segment: a named filter of the organization's identified visitors",
  description: `At most ${MAX_SEGMENTS_PER_ORGANIZATION} per organization; names are unique in it, ignoring case. Recorded in the audit log as \`segment.created\`.`,
  request: { params: OrganizationParams, body: jsonBody(CreateSegmentBody) },
  responses: { 201: segmentResponse("Created"), ...commonErrors, ...errorResponses(409, 422) },
});

export const createSegmentRoute = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const partnerId = c.get("partnerId");
  await findOrganization(c.var.tenant.DB, partnerId, organizationId);
  const created = await createSegment(c.var.tenant.DB, { partnerId, organizationId }, c.req.valid("json"), {
    type: "api_key",
    id: c.get("apiKeyId"),
  });
  if (!("segment" in created)) throw refusal(created);
  return c.json({ segment: created.segment }, 201);
});
