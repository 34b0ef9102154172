import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonBody, jsonResponse } from "../http/routes";
import { IdParam } from "../http/schemas";
import { issueApiKey } from "../partners/api-keys";
import { partnerOr404 } from "../partners/partner";
import { ApiKeySchema } from "../partners/schemas";

const route = createRoute({
  method: "post",
  path: "/partners/{partnerId}/api-keys",
  summary: "Issue an API key for a partner (e.g. when every key was lost)",
  request: {
    params: z.object({ partnerId: IdParam("partnerId") }),
    body: jsonBody(z.object({ name: z.string().min(1).max(255).default("Operator-issued key") })),
  },
  responses: {
    201: jsonResponse("Created", z.object({ apiKey: ApiKeySchema, plainKey: z.string() })),
    ...commonErrors,
  },
});

export const issuePartnerApiKey = createApi().openapi(route, async (c) => {
  const { partnerId } = c.req.valid("param");
  await partnerOr404(c.env.CATALOG, partnerId);
  const issued = await issueApiKey(c.env.CATALOG, partnerId, c.req.valid("json").name);
  return c.json(issued!, 201);
});
