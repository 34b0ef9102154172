import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { listSessions } from "../../sessions/sessions";
import { SESSION_STATUSES } from "../../sessions/rules";
import { findOrganization } from "../../organizations/organization";
import { PageQuery, pageOf } from "../../http/schemas";
import { SessionSchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/sessions",
  summary: "List dashboard and console sessions, newest first",
  request: {
    query: z.object({
      ...PageQuery,
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
        total: z.number().int(),
        page: z.number().int(),
        pageSize: z.number().int(),
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
  const { sessions, total } = await listSessions(c.env.CATALOG, partnerId, query, pageSize, offset);
  return c.json({ sessions, total, page, pageSize }, 200);
});
