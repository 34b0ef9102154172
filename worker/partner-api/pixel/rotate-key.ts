import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../../lib/errors";
import { commonErrors, createApi, errorResponses, jsonResponse } from "../../http/routes";
import { rotatePixelKey as rotateKey } from "../../pixel-config/queries";
import { forgetPixelKey, writeThroughPixels } from "../../pixel-config/record";
import { OrganizationParams } from "../../http/schemas";
import { PixelSchema } from "./schemas";
import { pixelOf } from "../../organizations/pixel";
import { findOrganization } from "../../organizations/organization";

const route = createRoute({
  method: "post",
  path: "/organizations/{organizationId}/pixel/rotate-key",
  summary: "Issue a new pixel key; the old one stops",
  description:
    "The old key serves an empty script and its hits are dropped from now on (KV: within about 60 seconds at every edge location). " +
    "Replace the script tag on the client's site with the new one.",
  request: { params: OrganizationParams },
  responses: {
    200: jsonResponse("The pixel with its new key", z.object({ pixel: PixelSchema })),
    ...commonErrors,
    ...errorResponses(409),
  },
});

export const rotatePixelKey = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const partnerId = c.get("partnerId");
  await findOrganization(c.var.tenant.DB, partnerId, organizationId);
  const rotated = await rotateKey(c.var.tenant.DB, organizationId);
  if (!rotated) throw new ApiError("Conflict", "The pixel key was rotated by another request at the same time");
  await Promise.all([forgetPixelKey(c.env, rotated.oldKey), writeThroughPixels(c.var.tenant, [organizationId])]);
  return c.json({ pixel: await pixelOf(c.var.tenant, c.req.url, partnerId, organizationId) }, 200);
});
