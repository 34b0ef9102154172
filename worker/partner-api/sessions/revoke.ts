import { createRoute, z } from "@hono/zod-openapi";
import { notFound } from "../../lib/errors";
import { commonErrors, createApi } from "../../http/routes";
import { revokeSession } from "../../sessions/sessions";
import { IdParam } from "../../http/schemas";

const route = createRoute({
  method: "delete",
  path: "/sessions/{sessionId}",
  summary: "Revoke a dashboard or console session; its next request is signed out",
  description: "Revoking a session that already ended succeeds and changes nothing.",
  request: { params: z.object({ sessionId: IdParam("sessionId") }) },
  responses: { 204: { description: "Revoked" }, ...commonErrors },
});

export const revokeDashboardSession = createApi().openapi(route, async (c) => {
  const { sessionId } = c.req.valid("param");
  if (!(await revokeSession(c.var.tenant, c.get("partnerId"), sessionId, c.get("apiKeyId")))) throw notFound("Session");
  return c.body(null, 204);
});
