import { createRoute, z } from "@hono/zod-openapi";
import { invalidField, notFound } from "../../lib/errors";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { CursorFields, OrganizationParams, PageFields, pageOf } from "../../http/schemas";
import { findOrganization } from "../../organizations/organization";
import { findSegment } from "../../segments/queries";
import { decodeVisitorCursor } from "../../visitors/list";
import { visitorsPage } from "./queries";
import { requestFilter, VisitorListQuery, VisitorSchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/organizations/{organizationId}/visitors",
  summary: "List identified visitors, most recently seen first",
  request: { params: OrganizationParams, query: z.object(VisitorListQuery) },
  responses: {
    200: jsonResponse(
      "A page of visitors",
      z.object({ visitors: z.array(VisitorSchema), ...PageFields, ...CursorFields }),
    ),
    ...commonErrors,
  },
});

export const listVisitors = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const { segmentId, cursor, from, to, ...query } = c.req.valid("query");
  const db = c.var.tenant.DB;
  await findOrganization(db, c.get("partnerId"), organizationId);
  const segment = segmentId === undefined ? null : await findSegment(db, organizationId, segmentId);
  if (segmentId !== undefined && !segment) throw notFound("Segment");
  const after = cursor === undefined ? null : decodeVisitorCursor(cursor);
  if (cursor !== undefined && !after) throw invalidField("cursor", "not a cursor of this list");
  const { page, pageSize, offset } = pageOf(query);
  const filters = segment ? [requestFilter(query), segment.filter] : [requestFilter(query)];
  const { visitors, total, nextCursor } = await visitorsPage(
    db,
    organizationId,
    { filters, from, to },
    {
      after,
      pageSize,
      offset,
    },
  );
  return c.json({ visitors, total, page, pageSize, nextCursor }, 200);
});
