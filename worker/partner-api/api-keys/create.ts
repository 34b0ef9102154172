import { createRoute, z } from "@hono/zod-openapi";
import { SCOPES } from "../../../shared/accounts";
import { ApiError } from "../../lib/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { isoSeconds } from "../../lib/time";
import { requireScope } from "../auth";
import { issueApiKey } from "../../partners/api-keys";
import { ApiKeySchema, ScopeSchema } from "../../partners/schemas";

/** Usable keys a partner may hold at once: more is a leak waiting to happen, not a use case. */
export const MAX_ACTIVE_KEYS = 50;

const CreateApiKey = z
  .object({
    name: z.string().trim().min(1).max(255),
    scopes: z
      .array(ScopeSchema)
      .max(3)
      .optional()
      .transform((scopes) => [...new Set(scopes ?? [])])
      .openapi({
        type: "array",
        items: { type: "string", enum: [...SCOPES] },
        description: "Omitted or empty: full access",
        example: ["read"],
      }),
    expiresAt: z.iso
      .datetime({ offset: true })
      .refine((at) => Date.parse(at) > Date.now(), "must be in the future")
      .optional()
      .openapi({ example: "2030-01-01T00:00:00Z" }),
  })
  .openapi("CreateApiKey");

const route = createRoute({
  method: "post",
  path: "/api-keys",
  summary: "Create an API key (admin scope); the plain key is returned only here",
  middleware: [requireScope("admin")] as const,
  request: { body: jsonBody(CreateApiKey) },
  responses: {
    201: jsonResponse(
      "Created",
      z.object({
        apiKey: ApiKeySchema,
        plainKey: z.string().openapi({ example: "pk_live_0123456789abcdef0123456789abcdef" }),
      }),
    ),
    ...commonErrors,
    ...errorResponses(422),
  },
});

export const createApiKey = createApi().openapi(route, async (c) => {
  const { name, scopes, expiresAt } = c.req.valid("json");
  const issued = await issueApiKey(
    c.env.CATALOG,
    c.get("partnerId"),
    name,
    scopes,
    expiresAt ? isoSeconds(Date.parse(expiresAt)) : null,
    { maxActiveKeys: MAX_ACTIVE_KEYS },
  );
  if (!issued) {
    throw new ApiError("UnprocessableEntity", `At most ${MAX_ACTIVE_KEYS} usable API keys; revoke one first`, {
      limit: MAX_ACTIVE_KEYS,
    });
  }
  return c.json(issued, 201);
});
