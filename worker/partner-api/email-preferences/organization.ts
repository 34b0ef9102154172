import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonBody, jsonResponse } from "../../http/routes";
import { findOrganization } from "../../organizations/organization";
import { OrganizationParams } from "../../http/schemas";
import { EMAIL_KEYS } from "../../../shared/email";
import { EmailPreferencesSchema, OrganizationEmailPreferencesUpdate } from "./schemas";
import {
  effectiveEmailPreferences,
  patchOrganizationPreferences,
  resetOrganizationPreferences,
} from "../../notices/preferences";
import type { TenantEnv } from "../../shards";

const path = "/organizations/{organizationId}/email-preferences";
const params = OrganizationParams;

const response = jsonResponse(
  "The organization's effective email preferences",
  z.object({
    organizationId: z.string(),
    emailPreferences: EmailPreferencesSchema,
    overriddenKeys: z
      .array(z.enum(EMAIL_KEYS))
      .openapi({ description: "Keys set for this organization; the rest follow the partner" }),
  }),
);

const getRoute = createRoute({
  method: "get",
  operationId: "getOrganizationEmailPreferences",
  path,
  summary: "An organization's email preferences: its overrides over the partner's",
  request: { params },
  responses: { 200: response, ...commonErrors },
});

const putRoute = createRoute({
  method: "put",
  operationId: "updateOrganizationEmailPreferences",
  path,
  summary: "Override email preferences for one organization",
  description: "Only the keys sent change; `null` removes that key's override so it follows the partner again.",
  request: { params, body: jsonBody(OrganizationEmailPreferencesUpdate) },
  responses: { 200: response, ...commonErrors },
});

const deleteRoute = createRoute({
  method: "delete",
  operationId: "resetOrganizationEmailPreferences",
  path,
  summary: "Remove all of an organization's overrides",
  request: { params },
  responses: { 204: { description: "The organization follows the partner's preferences again" }, ...commonErrors },
});

async function respond(tenant: TenantEnv, partnerId: string, organizationId: string) {
  const { preferences, overriddenKeys } = await effectiveEmailPreferences(tenant, partnerId, organizationId);
  return { organizationId, emailPreferences: preferences, overriddenKeys };
}

export const organizationEmailPreferences = createApi()
  .openapi(getRoute, async (c) => {
    const { organizationId } = c.req.valid("param");
    await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
    return c.json(await respond(c.var.tenant, c.get("partnerId"), organizationId), 200);
  })
  .openapi(putRoute, async (c) => {
    const { organizationId } = c.req.valid("param");
    const partnerId = c.get("partnerId");
    await findOrganization(c.var.tenant.DB, partnerId, organizationId);
    await patchOrganizationPreferences(c.var.tenant.DB, organizationId, c.req.valid("json"));
    return c.json(await respond(c.var.tenant, partnerId, organizationId), 200);
  })
  .openapi(deleteRoute, async (c) => {
    const { organizationId } = c.req.valid("param");
    await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
    await resetOrganizationPreferences(c.var.tenant.DB, organizationId);
    return c.body(null, 204);
  });
