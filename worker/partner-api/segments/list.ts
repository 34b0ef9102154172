import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { OrganizationParams, PageFields, PageQuery, pageOf } from "../../http/schemas";
import { findOrganization } from "../../organizations/organization";
import { listSegments } from "../../segments/queries";
import { SegmentSchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/organizations/{organizationId}/segments",
  summary: "List the organization's segments, oldest first",
  request: { params: OrganizationParams, query: z.object(PageQuery) },
  responses: {
    200: jsonResponse("A page of segments", z.object({ segments: z.array(SegmentSchema), ...PageFields })),
    ...commonErrors,
  },
});

export const listSegmentsRoute = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const { page, pageSize, offset } = pageOf(c.req.valid("query"));
  await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
  const { segments, total } = await listSegments(c.var.tenant.DB, organizationId, { limit: pageSize, offset });
  return c.json({ segments, total, page, pageSize }, 200);
});
