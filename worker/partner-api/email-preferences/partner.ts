import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonBody, jsonResponse } from "../../http/routes";
import { effectiveEmailPreferences, patchPartnerPreferences } from "../../notices/preferences";
import { EmailPreferencesSchema, EmailPreferencesUpdate } from "./schemas";

const response = jsonResponse(
  "The partner's email preferences",
  z.object({ emailPreferences: EmailPreferencesSchema }),
);

const getRoute = createRoute({
  method: "get",
  operationId: "getEmailPreferences",
  path: "/email-preferences",
  summary: "Which emails are sent (all on by default)",
  responses: { 200: response, ...commonErrors },
});

const putRoute = createRoute({
  method: "put",
  operationId: "updateEmailPreferences",
  path: "/email-preferences",
  summary: "Turn emails on or off",
  description: "Only the keys sent change. Organizations with their own overrides keep them.",
  request: { body: jsonBody(EmailPreferencesUpdate) },
  responses: { 200: response, ...commonErrors },
});

export const partnerEmailPreferences = createApi()
  .openapi(getRoute, async (c) => {
    const { preferences } = await effectiveEmailPreferences(c.var.tenant, c.get("partnerId"));
    return c.json({ emailPreferences: preferences }, 200);
  })
  .openapi(putRoute, async (c) => {
    const partnerId = c.get("partnerId");
    await patchPartnerPreferences(c.env.CATALOG, partnerId, c.req.valid("json"));
    const { preferences } = await effectiveEmailPreferences(c.var.tenant, partnerId);
    return c.json({ emailPreferences: preferences }, 200);
  });
