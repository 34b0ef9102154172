import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { requireScope } from "../auth";
import { ApiKeySchema } from "../../partners/schemas";
import { toApiKey, type ApiKeyRow } from "../../partners/api-keys";

const route = createRoute({
  method: "get",
  path: "/api-keys",
  summary: "List API keys, revoked ones included (admin scope)",
  description: "Needs `admin` although it is a read: the list tells who holds which access.",
  middleware: [requireScope("admin")] as const,
  responses: {
    200: jsonResponse("The partner's keys, newest first", z.object({ apiKeys: z.array(ApiKeySchema) })),
    ...commonErrors,
  },
});

export const listApiKeys = createApi().openapi(route, async (c) => {
  const { results } = await c.env.CATALOG.prepare(
    `SELECT id, name, key_prefix, scopes, status, expires_at, last_used_at, created_at
     FROM api_keys WHERE partner_id = ? ORDER BY created_at DESC, id`,
  )
    .bind(c.get("partnerId"))
    .all<ApiKeyRow>();
  return c.json({ apiKeys: results.map(toApiKey) }, 200);
});
