import { createRoute, z } from "@hono/zod-openapi";
import { invalidField } from "../../lib/errors";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { CursorFields, CursorQuery, PageFields, PageQuery, pageOf } from "../../http/schemas";
import { decodeCursor, encodeCursor } from "../../lib/cursor";
import { listSuppressions } from "../../suppressions/queries";
import { SuppressionSchema } from "../../suppressions/schemas";

const route = createRoute({
  method: "get",
  path: "/suppressions",
  summary: "List suppressed people, most recent first",
  description: "`total` is counted up to 10,000.",
  request: { query: z.object({ ...PageQuery, ...CursorQuery }) },
  responses: {
    200: jsonResponse(
      "A page of suppressions",
      z.object({ suppressions: z.array(SuppressionSchema), ...PageFields, ...CursorFields }),
    ),
    ...commonErrors,
  },
});

export const listSuppressionsRoute = createApi().openapi(route, async (c) => {
  const query = c.req.valid("query");
  const { page, pageSize, offset } = pageOf(query);
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, ["string", "string"] as const);
  if (query.cursor !== undefined && !after) throw invalidField("cursor", "not a cursor of this list");
  const found = await listSuppressions(c.var.tenant.DB, c.get("partnerId"), { limit: pageSize, offset, after });
  const last = found.suppressions.at(-1);
  return c.json(
    {
      suppressions: found.suppressions,
      total: found.total,
      page,
      pageSize,
      nextCursor: found.more && last ? encodeCursor([last.createdAt, last.emailSha256]) : null,
    },
    200,
  );
});
