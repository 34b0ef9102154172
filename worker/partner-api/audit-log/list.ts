import { createRoute, z } from "@hono/zod-openapi";
import { AUDIT_ACTIONS } from "../../audit/actions";
import { listAudit } from "../../audit/queries";
import { endBound, startBound } from "../../lib/time";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { findOrganization } from "../../organizations/organization";
import { DateQuery, PageQuery, pageOf } from "../../http/schemas";
import { AuditEntrySchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/audit-log",
  summary: "The audit log: sign-in links, sessions, dashboards opened from the console, exclusions, exports",
  request: {
    query: z.object({
      ...PageQuery,
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
        total: z.number().int(),
        page: z.number().int(),
        pageSize: z.number().int(),
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
  const { entries, total } = await listAudit(
    c.var.tenant.DB,
    partnerId,
    {
      organizationId: query.organizationId,
      action: query.action,
      from: query.startDate && startBound(query.startDate),
      to: query.endDate && endBound(query.endDate),
    },
    pageSize,
    offset,
  );
  return c.json({ entries, total, page, pageSize }, 200);
});
