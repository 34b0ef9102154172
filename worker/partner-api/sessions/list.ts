import { createRoute, z } from "@hono/zod-openapi";
import { groupDigits } from "../../lib/digits";
import { decodeKeyset, encodeKeyset } from "../../lib/cursor";
import { invalidField } from "../../lib/errors";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { COUNT_LIMIT, CursorQuery, MAX_OFFSET_ROWS, PageQuery, pageOf } from "../../http/schemas";
import { listSessions } from "../../sessions/list";
import { SESSION_STATUSES } from "../../sessions/rules";
import { findOrganization } from "../../organizations/organization";
import { SessionSchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/sessions",
  summary: "List dashboard and console sessions, newest first",
  description:
    `Page by \`page\` (with \`total\`, counted up to ${COUNT_LIMIT.toLocaleString("en-US")}; pages end ` +
    `${groupDigits(MAX_OFFSET_ROWS)} rows deep) or, for any depth, by \`cursor\`: the previous page's ` +
    "`nextCursor` (no `total` then). A session's row is kept for 30 days after its absolute end.",
  request: {
    query: z.object({
      ...PageQuery,
      cursor: CursorQuery.cursor.openapi({
        description:
          "Where the previous page ended: its `nextCursor`. Pages by position instead of number: no `total`, no offset, as fast on the last page as on the first.",
      }),
      status: z
        .enum([...SESSION_STATUSES, "all"])
        .default("active")
        .openapi({ description: "Default: active sessions only" }),
      organizationId: z.string().max(64).optional().openapi({ description: "Only this client's dashboard sessions" }),
      email: z.string().max(254).optional().openapi({ description: "Only this person's sessions (case-insensitive)" }),
    }),
  },
  responses: {
    200: jsonResponse(
      "A page of sessions",
      z.object({
        sessions: z.array(SessionSchema),
        total: z.number().int().optional().openapi({ description: "With `page` only; at most 10,000" }),
        page: z.number().int().optional().openapi({ description: "With `page` only" }),
        pageSize: z.number().int(),
        nextCursor: z.string().nullable().openapi({ description: "The `cursor` of the next page; null on the last" }),
      }),
    ),
    ...commonErrors,
  },
});

export const listDashboardSessions = createApi().openapi(route, async (c) => {
  const query = c.req.valid("query");
  const partnerId = c.get("partnerId");
  if (query.organizationId) await findOrganization(c.var.tenant.DB, partnerId, query.organizationId);
  const { page, pageSize, offset } = pageOf(query);
  const after = query.cursor === undefined ? null : decodeKeyset(query.cursor);
  if (query.cursor !== undefined && !after) throw invalidField("cursor", "is not a cursor this list returned");
  if (!after && offset + pageSize > MAX_OFFSET_ROWS) {
    throw invalidField(
      "page",
      `pages end ${MAX_OFFSET_ROWS} rows deep; go further with cursor (each page's nextCursor)`,
    );
  }
  const found = await listSessions(c.env.CATALOG, partnerId, query, {
    limit: pageSize,
    offset: after ? 0 : offset,
    after,
  });
  const last = found.sessions.at(-1);
  const nextCursor = found.more && last ? encodeKeyset({ at: last.createdAt, id: last.id }) : null;
  return c.json(
    after
      ? { sessions: found.sessions, pageSize, nextCursor }
      : { sessions: found.sessions, total: found.total!, page, pageSize, nextCursor },
    200,
  );
});
