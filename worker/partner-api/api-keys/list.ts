import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { requireScope } from "../auth";
import { ApiKeySchema } from "../../partners/schemas";
import { listApiKeys as listKeys } from "../../partners/api-keys";

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

export const listApiKeys = createApi().openapi(route, async (c) =>
  c.json({ apiKeys: await listKeys(c.env.CATALOG, c.get("partnerId")) }, 200),
);
