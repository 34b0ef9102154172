import { createRoute, z } from "@hono/zod-openapi";
import { normalizeReferrerEntry } from "../../pixel-config/referrers";
import { ApiError } from "../../lib/errors";
import { commonErrors, createApi, jsonBody, jsonResponse } from "../../http/routes";
import { updatePixelSettings } from "../../pixel-config/queries";
import { writeThroughPixels } from "../../pixel-config/record";
import { OrganizationParams } from "../../http/schemas";
import { findOrganization } from "../../organizations/organization";
import { pixelOf } from "../../organizations/pixel";
import { PixelSchema, PixelUpdate } from "./schemas";

const params = OrganizationParams;
const pixelResponse = jsonResponse("The organization's pixel", z.object({ pixel: PixelSchema }));

const getRoute = createRoute({
  method: "get",
  operationId: "getPixel",
  path: "/organizations/{organizationId}/pixel",
  summary: "Get the pixel (key, allowed referrers, script tag)",
  request: { params },
  responses: { 200: pixelResponse, ...commonErrors },
});

const putRoute = createRoute({
  method: "put",
  operationId: "updatePixel",
  path: "/organizations/{organizationId}/pixel",
  summary: "Configure the pixel",
  request: { params, body: jsonBody(PixelUpdate) },
  responses: { 200: pixelResponse, ...commonErrors },
});

export const pixelSettings = createApi()
  .openapi(getRoute, async (c) => {
    const { organizationId } = c.req.valid("param");
    await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
    return c.json({ pixel: await pixelOf(c.var.tenant, c.req.url, c.get("partnerId"), organizationId) }, 200);
  })
  .openapi(putRoute, async (c) => {
    const { organizationId } = c.req.valid("param");
    const body = c.req.valid("json");
    await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
    const allowedReferrers = body.allowedReferrers && allowedHosts(body.allowedReferrers);
    if (await updatePixelSettings(c.var.tenant.DB, organizationId, { ...body, allowedReferrers }))
      await writeThroughPixels(c.var.tenant, [organizationId]);
    return c.json({ pixel: await pixelOf(c.var.tenant, c.req.url, c.get("partnerId"), organizationId) }, 200);
  });

/** The referrers as stored (normalized, once each), or 400 naming every entry that is not a host or `*.host`. */
function allowedHosts(entries: string[]): string[] {
  const normalized = entries.map(normalizeReferrerEntry);
  const bad = entries.filter((_, i) => normalized[i] === null);
  if (bad.length > 0) {
    throw new ApiError(
      "BadRequest",
      "Invalid allowed referrer",
      bad.map((value) => ({ field: "allowedReferrers", message: `'${value}' is not a host or *.host` })),
    );
  }
  return [...new Set(normalized as string[])];
}
