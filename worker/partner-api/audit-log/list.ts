import { createRoute, z } from "@hono/zod-openapi";
import { AUDIT_ACTIONS } from "../../audit/actions";
import { listAudit } from "../../audit/queries";
import { groupDigits } from "../../lib/digits";
import { decodeKeyset, encodeKeyset } from "../../lib/cursor";
import { invalidField } from "../../lib/errors";
import { endBound, startBound } from "../../lib/time";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { findOrganization } from "../../organizations/organization";
import { COUNT_LIMIT, CursorQuery, DateQuery, MAX_OFFSET_ROWS, PageQuery, pageOf } from "../../http/schemas";
import { AuditEntrySchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/audit-log",
  summary: "The audit log: sign-in links, sessions, dashboards opened from the console, exclusions, exports",
  description:
    `Page by \`page\` (with \`total\`, counted up to ${COUNT_LIMIT.toLocaleString("en-US")}; pages end ` +
    `${groupDigits(MAX_OFFSET_ROWS)} rows deep) or, for any depth, by \`cursor\`: the previous page's ` +
    "`nextCursor` (no `total` then).",
  request: {
    query: z.object({
      ...PageQuery,
      cursor: CursorQuery.cursor.openapi({
        description:
          "Where the previous page ended: its `nextCursor`. Pages by position instead of number: no `total`, no offset, as fast on the last page as on the first.",
      }),
      organizationId: z.string().max(64).optional(),
      action: z.enum(AUDIT_ACTIONS).optional(),
      startDate: DateQuery,
      endDate: DateQuery,
    }),
  },
  responses: {
    200: jsonResponse(
      "A page of entries, newest first",
      z.object({
        entries: z.array(AuditEntrySchema),
        total: z.number().int().optional().openapi({ description: "With `page` only; at most 10,000" }),
        page: z.number().int().optional().openapi({ description: "With `page` only" }),
        pageSize: z.number().int(),
        nextCursor: z.string().nullable().openapi({ description: "The `cursor` of the next page; null on the last" }),
      }),
    ),
    ...commonErrors,
  },
});

export const listAuditLog = createApi().openapi(route, async (c) => {
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
  const found = await listAudit(
    c.var.tenant.DB,
    partnerId,
    {
      organizationId: query.organizationId,
      action: query.action,
      from: query.startDate && startBound(query.startDate),
      to: query.endDate && endBound(query.endDate),
    },
    { limit: pageSize, offset: after ? 0 : offset, after },
  );
  const last = found.entries.at(-1);
  const nextCursor = found.more && last ? encodeKeyset({ at: last.createdAt, id: last.id }) : null;
  return c.json(
    after
      ? { entries: found.entries, pageSize, nextCursor }
      : { entries: found.entries, total: found.total!, page, pageSize, nextCursor },
    200,
  );
});
