import { createRoute } from "@hono/zod-openapi";
import { notFound } from "../../lib/errors";
import { commonErrors, createApi } from "../../http/routes";
import { findOrganization } from "../../organizations/organization";
import { findSegment } from "../../segments/queries";
import { segmentParams, segmentResponse } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/organizations/{organizationId}/segments/{segmentId}",
  summary: "Get a segment",
  request: { params: segmentParams },
  responses: { 200: segmentResponse("The segment"), ...commonErrors },
});

export const getSegmentRoute = createApi().openapi(route, async (c) => {
  const { organizationId, segmentId } = c.req.valid("param");
  await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
  const segment = await findSegment(c.var.tenant.DB, organizationId, segmentId);
  if (!segment) throw notFound("Segment");
  return c.json({ segment }, 200);
});
