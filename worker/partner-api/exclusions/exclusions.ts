import { createRoute, z } from "@hono/zod-openapi";
import { loadExclusions, saveExclusions } from "../../exclusions/queries";
import { parseExclusions } from "../../exclusions/rules";
import { ApiError } from "../../lib/errors";
import { commonErrors, createApi, jsonBody, jsonResponse } from "../../http/routes";
import { findOrganization } from "../../organizations/organization";
import { IdParam } from "../../http/schemas";
import { ExclusionsSchema, ExclusionsUpdate } from "./schemas";

const params = z.object({ organizationId: IdParam("organizationId") });
const path = "/organizations/{organizationId}/exclusions";

const getRoute = createRoute({
  method: "get",
  operationId: "getExclusions",
  path,
  summary: "The organization's exclusions: visitors never identified or charged",
  request: { params },
  responses: { 200: jsonResponse("The exclusions", ExclusionsSchema), ...commonErrors },
});

const putRoute = createRoute({
  method: "put",
  operationId: "setExclusions",
  path,
  summary: "Replace the organization's exclusions",
  description:
    "Visitors from these IP ranges, or identified as a company (or person) of these domains, are not identified " +
    "and not charged from the next hit on; their hits are counted with the reason `excluded`. Both lists are " +
    "replaced; domains are lower-cased, ranges written canonically, duplicates dropped.",
  request: { params, body: jsonBody(ExclusionsUpdate) },
  responses: { 200: jsonResponse("The exclusions", ExclusionsSchema), ...commonErrors },
});

export const exclusionSettings = createApi()
  .openapi(getRoute, async (c) => {
    const { organizationId } = c.req.valid("param");
    await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
    return c.json(await loadExclusions(c.var.tenant.DB, organizationId), 200);
  })
  .openapi(putRoute, async (c) => {
    const { organizationId } = c.req.valid("param");
    const partnerId = c.get("partnerId");
    await findOrganization(c.var.tenant.DB, partnerId, organizationId);
    const parsed = parseExclusions(c.req.valid("json"));
    if (!parsed.ok) throw new ApiError("BadRequest", "Invalid exclusions", parsed.problems);
    const saved = await saveExclusions(c.var.tenant.DB, { partnerId, organizationId }, parsed.value, {
      type: "api_key",
      id: c.get("apiKeyId"),
    });
    return c.json(saved, 200);
  });
