import { createRoute, z } from "@hono/zod-openapi";
import { ApiError, notFound } from "../../lib/errors";
import { commonErrors, createApi, errorResponses } from "../../http/routes";
import { revokeApiKey as revokeKey } from "../../partners/api-keys";
import { requireScope } from "../auth";
import { IdParam } from "../../http/schemas";

const route = createRoute({
  method: "delete",
  path: "/api-keys/{keyId}",
  summary: "Revoke an API key (admin scope); it stops working at once",
  description:
    "Revoking an already revoked key succeeds. The last usable key with admin access cannot be revoked (409): create its successor first.",
  middleware: [requireScope("admin")] as const,
  request: { params: z.object({ keyId: IdParam("keyId") }) },
  responses: { 204: { description: "Revoked" }, ...commonErrors, ...errorResponses(409) },
});

export const revokeApiKey = createApi().openapi(route, async (c) => {
  const { keyId } = c.req.valid("param");
  const outcome = await revokeKey(c.env.CATALOG, c.get("partnerId"), keyId);
  if (outcome === "not_found") throw notFound("API key");
  if (outcome === "last_admin_key") {
    throw new ApiError("Conflict", "This is the last usable key with admin access; create another one first", {
      keyId,
    });
  }
  return c.body(null, 204);
});
