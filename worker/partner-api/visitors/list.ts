import { createRoute, z } from "@hono/zod-openapi";
import { invalidField } from "../../http/errors";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import {
  COUNT_LIMIT,
  CursorFields,
  CursorQuery,
  DateQuery,
  OrganizationParams,
  PageFields,
  PageQuery,
  pageOf,
} from "../../http/schemas";
import { decodeCursor, encodeCursor } from "../../lib/cursor";
import { endBound, startBound, unixSeconds } from "../../lib/time";
import { findOrganization } from "../../organizations/organization";
import { ORGANIZATION_KEY } from "../../visitors/identity";
import {
  countMatches,
  FEW_MATCHES,
  organizationCondition,
  searchCondition,
  searchPattern,
} from "../../visitors/search";
import { VisitorSchema } from "./schemas";
import { SELECT_VISITOR, toVisitor, topPagesOf, type ListedVisitorRow } from "./queries";

const route = createRoute({
  method: "get",
  path: "/organizations/{organizationId}/visitors",
  summary: "List identified visitors, most recently seen first",
  request: {
    params: OrganizationParams,
    query: z.object({
      ...PageQuery,
      ...CursorQuery,
      from: DateQuery.openapi({ description: "Seen on or after (YYYY-MM-DD or ISO 8601)" }),
      to: DateQuery.openapi({ description: "Seen on or before; a date includes the whole day" }),
      icpOnly: z.enum(["true", "false"]).optional(),
      search: z
        .string()
        .max(255)
        .optional()
        .openapi({ description: "Words the company's name or domain, or the person's name, start with" }),
    }),
  },
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
  const query = c.req.valid("query");
  const db = c.var.tenant.DB;
  await findOrganization(db, c.get("partnerId"), organizationId);
  const { page, pageSize, offset } = pageOf(query);
  const after = query.cursor === undefined ? null : decodeCursor(query.cursor, ["number", "number"] as const);
  if (query.cursor !== undefined && !after) throw invalidField("cursor", "not a cursor of this list");

  // Every read goes through the organization's key: an index range, never a scan of other rows.
  const where: string[] = [];
  const params: unknown[] = [organizationId];
  if (query.from) {
    where.push("v.last_seen >= ?");
    params.push(unixSeconds(Date.parse(startBound(query.from))));
  }
  if (query.to) {
    where.push("v.last_seen <= ?");
    params.push(unixSeconds(Date.parse(endBound(query.to))));
  }
  // Served by the partial index visitors_by_icp (org, last_seen DESC) WHERE icp_matched = 1.
  if (query.icpOnly === "true") where.push("v.icp_matched = 1");
  let search: { leads: boolean; total: number | null } | null = null;
  if (query.search !== undefined) {
    const pattern = searchPattern(query.search);
    if (pattern === null) where.push("false");
    else {
      // Searched alone, the search index's count is the total; with other filters, it only picks the plan.
      const alone = where.length === 0;
      const matches = await countMatches(db, pattern, organizationId, alone ? COUNT_LIMIT : FEW_MATCHES + 1);
      search = { leads: matches <= FEW_MATCHES, total: alone ? matches : null };
      where.push(searchCondition(ORGANIZATION_KEY));
      params.push(pattern, organizationId);
    }
  }
  const filterWith = (leadWithSearch: boolean) =>
    `WHERE ${[organizationCondition(ORGANIZATION_KEY, leadWithSearch), ...where].join(" AND ")}`;
  const keyset = after ? " AND v.last_seen <= ? AND (v.last_seen < ? OR v.seq > ?)" : "";
  const keysetParams = after ? [after[0], after[0], after[1]] : [];
  // Unfiltered, the total is the consumer's running count; filtered, the matches are counted up to COUNT_LIMIT.
  const count =
    where.length > 0
      ? db
          .prepare(
            `SELECT count(*) AS total FROM (SELECT 1 FROM visitors v ${filterWith(search !== null)} LIMIT ${COUNT_LIMIT})`,
          )
          .bind(...params)
      : db
          .prepare("SELECT coalesce((SELECT visitors FROM organization_keys WHERE organization_id = ?), 0) AS total")
          .bind(organizationId);
  const [rows, counted] = await db.batch<ListedVisitorRow | { total: number }>([
    db
      .prepare(
        `${SELECT_VISITOR} ${filterWith(search?.leads ?? false)}${keyset} ORDER BY v.last_seen DESC, v.seq LIMIT ? OFFSET ?`,
      )
      .bind(...params, ...keysetParams, pageSize + 1, after ? 0 : offset),
    ...(search?.total == null ? [count] : []),
  ]);
  const found = rows!.results as ListedVisitorRow[];
  const visitors = found.slice(0, pageSize);
  const last = visitors.at(-1);
  const topPages = await topPagesOf(
    db,
    visitors.map((v) => v.seq),
  );
  return c.json(
    {
      visitors: visitors.map((v) => toVisitor(v, topPages.get(v.seq) ?? [])),
      total: search?.total ?? (counted!.results[0] as { total: number }).total,
      page,
      pageSize,
      nextCursor: found.length > pageSize && last ? encodeCursor([last.last_seen, last.seq]) : null,
    },
    200,
  );
});
