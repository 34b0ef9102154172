import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { findOrganization } from "../../organizations/organization";
import { DateQuery, OrganizationParams, PageFields, PageQuery, pageOf } from "../../http/schemas";
import { VisitorSchema } from "./schemas";
import { endBound, startBound } from "../../lib/time";
import { IDENTITY_JOINS } from "../../visitors/identity";
import { SELECT_VISITOR, toVisitor, topPagesOf, type ListedVisitorRow } from "./queries";

const route = createRoute({
  method: "get",
  path: "/organizations/{organizationId}/visitors",
  summary: "List identified visitors, most recently seen first",
  request: {
    params: OrganizationParams,
    query: z.object({
      ...PageQuery,
      from: DateQuery.openapi({ description: "Seen on or after (YYYY-MM-DD or ISO 8601)" }),
      to: DateQuery.openapi({ description: "Seen on or before; a date includes the whole day" }),
      icpOnly: z.enum(["true", "false"]).optional(),
      search: z.string().max(255).optional().openapi({ description: "Company name or domain, or person name" }),
    }),
  },
  responses: {
    200: jsonResponse("A page of visitors", z.object({ visitors: z.array(VisitorSchema), ...PageFields })),
    ...commonErrors,
  },
});

export const listVisitors = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const query = c.req.valid("query");
  await findOrganization(c.env.DB, c.get("partnerId"), organizationId);
  const { page, pageSize, offset } = pageOf(query);

  const where = ["v.organization_id = ?"];
  const params: unknown[] = [organizationId];
  if (query.from) {
    where.push("v.last_seen_at >= ?");
    params.push(startBound(query.from));
  }
  if (query.to) {
    where.push("v.last_seen_at <= ?");
    params.push(endBound(query.to));
  }
  if (query.search) {
    where.push(
      "(instr(lower(c.name), lower(?)) > 0 OR instr(c.domain, lower(?)) > 0 OR instr(lower(pe.name), lower(?)) > 0)",
    );
    params.push(query.search, query.search, query.search);
  }
  // Served by the visitors_by_icp index (organization_id, icp_matched, last_seen_at DESC, id DESC).
  if (query.icpOnly === "true") where.push("v.icp_matched = 1");
  const filter = `WHERE ${where.join(" AND ")}`;
  const db = c.env.DB;
  // Unfiltered, the total is the consumer's running count; filtered, it is counted, joining
  // companies and people only when the search needs them.
  const count =
    where.length === 1
      ? db
          .prepare("SELECT coalesce((SELECT visitors FROM organization_stats WHERE organization_id = ?), 0) AS total")
          .bind(organizationId)
      : db
          .prepare(
            `SELECT count(*) AS total FROM visitors v
           ${query.search ? IDENTITY_JOINS : ""}
           ${filter}`,
          )
          .bind(...params);
  const [rows, counted] = await db.batch<ListedVisitorRow | { total: number }>([
    db
      .prepare(`${SELECT_VISITOR} ${filter} ORDER BY v.last_seen_at DESC, v.id DESC LIMIT ? OFFSET ?`)
      .bind(...params, pageSize, offset),
    count,
  ]);
  const visitors = rows.results as ListedVisitorRow[];
  const topPages = await topPagesOf(
    db,
    visitors.map((v) => v.id),
  );
  return c.json(
    {
      visitors: visitors.map((v) => toVisitor(v, topPages.get(v.id) ?? [])),
      total: (counted.results[0] as { total: number }).total,
      page,
      pageSize,
    },
    200,
  );
});
