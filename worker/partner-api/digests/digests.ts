import { createRoute } from "@hono/zod-openapi";
import { DigestSettingsUpdate, MAX_DIGEST_RECIPIENTS } from "../../digests/schemas";
import { getDigestSettings, saveDigestSettings } from "../../digests/settings";
import { commonErrors, createApi, jsonBody } from "../../http/routes";
import { OrganizationParams } from "../../http/schemas";
import { findOrganization } from "../../organizations/organization";
import { digestContext, digestsResponse } from "./schemas";

const path = "/organizations/{organizationId}/digests";

const getRoute = createRoute({
  method: "get",
  operationId: "getDigests",
  path,
  summary: "The organization's digest settings: recipients, schedule, each recipient's latest digest",
  request: { params: OrganizationParams },
  responses: { 200: digestsResponse("The digest settings"), ...commonErrors },
});

const putRoute = createRoute({
  method: "put",
  operationId: "updateDigests",
  path,
  summary: "Set who gets daily and weekly digests of identified visitors, and when",
  description:
    `Only sent fields change; \`recipients\` replaces the list (at most ${MAX_DIGEST_RECIPIENTS}; an address once per ` +
    "frequency, with an optional saved segment). A digest covers the time since the recipient's previous one (at most " +
    "a day, or a week): new companies, returning ones, top pages and credits left. Nothing is sent for a period in " +
    "which nothing happened. Recorded in the audit log as `digests.updated`. Unknown fields are refused.",
  request: { params: OrganizationParams, body: jsonBody(DigestSettingsUpdate) },
  responses: { 200: digestsResponse("The digest settings"), ...commonErrors },
});

export const digestSettings = createApi()
  .openapi(getRoute, async (c) => {
    const { organizationId } = c.req.valid("param");
    await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
    return c.json({ digests: await getDigestSettings(c.var.tenant.DB, organizationId) }, 200);
  })
  .openapi(putRoute, async (c) => {
    const { organizationId } = c.req.valid("param");
    await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
    const digests = await saveDigestSettings(c.var.tenant, digestContext(c, organizationId), c.req.valid("json"));
    return c.json({ digests }, 200);
  });
