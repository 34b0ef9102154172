import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { OrganizationSchema, OrganizationStatusSchema } from "../../organizations/schemas";
import { PageFields, PageQuery, pageOf } from "../../http/schemas";
import { SELECT_ORGANIZATION, organizationWithBalance, type OrganizationRow } from "../../organizations/organization";

const route = createRoute({
  method: "get",
  path: "/organizations",
  summary: "List sub-organizations",
  request: {
    query: z.object({
      ...PageQuery,
      status: OrganizationStatusSchema.optional(),
      search: z.string().max(255).optional().openapi({ description: "Case-insensitive substring of the name" }),
      externalId: z.string().max(255).optional(),
    }),
  },
  responses: {
    200: jsonResponse(
      "A page of organizations",
      z.object({ organizations: z.array(OrganizationSchema), ...PageFields }),
    ),
    ...commonErrors,
  },
});

export const listOrganizations = createApi().openapi(route, async (c) => {
  const query = c.req.valid("query");
  const { page, pageSize, offset } = pageOf(query);
  // Canceled organizations are listed only when asked for.
  const where = ["o.partner_id = ?", query.status ? "o.status = ?" : "o.status != 'canceled'"];
  const params: unknown[] = [c.get("partnerId"), ...(query.status ? [query.status] : [])];
  if (query.search) {
    where.push("instr(lower(o.name), lower(?)) > 0");
    params.push(query.search);
  }
  if (query.externalId) {
    where.push("o.external_id = ?");
    params.push(query.externalId);
  }
  const filter = `WHERE ${where.join(" AND ")}`;
  const [rows, count] = await c.var.tenant.DB.batch<OrganizationRow | { total: number }>([
    c.var.tenant.DB.prepare(
      `${SELECT_ORGANIZATION} ${filter} ORDER BY o.created_at DESC, o.id DESC LIMIT ? OFFSET ?`,
    ).bind(...params, pageSize, offset),
    c.var.tenant.DB.prepare(`SELECT count(*) AS total FROM organizations o ${filter}`).bind(...params),
  ]);
  const organizations = await Promise.all(
    (rows!.results as OrganizationRow[]).map((row) => organizationWithBalance(c.var.tenant, row)),
  );
  const total = (count!.results[0] as { total: number }).total;
  return c.json({ organizations, total, page, pageSize }, 200);
});
