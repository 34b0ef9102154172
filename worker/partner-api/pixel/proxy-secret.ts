import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { OrganizationParams } from "../../http/schemas";
import { isoSeconds } from "../../lib/time";
import { findOrganization } from "../../organizations/organization";
import { generateProxySecret, sealProxySecret } from "../../pixel-config/proxy-secret";
import { clearProxySecret, setProxySecret } from "../../pixel-config/queries";
import { writeThroughPixels } from "../../pixel-config/record";
import { requireScope } from "../auth";
import { ProxySecretSchema } from "./schemas";

const path = "/organizations/{organizationId}/pixel/proxy-secret";

const createSecretRoute = createRoute({
  method: "post",
  operationId: "createPixelProxySecret",
  path,
  summary: "Create or rotate the first-party proxy secret (admin scope)",
  description:
    "The secret a client's own reverse proxy signs the visitor's address with (`X-Client-Address`, `X-Client-Signature`; docs/first-party.md). " +
    "Returned once. A new one replaces the previous one at once: signatures made with the old secret stop verifying (within about 60 seconds at every edge location), " +
    "and those hits count under the proxy's own address until the proxy has the new secret.",
  middleware: [requireScope("admin")] as const,
  request: { params: OrganizationParams },
  responses: {
    201: jsonResponse("The new secret; store it now", z.object({ proxySecret: ProxySecretSchema })),
    ...commonErrors,
  },
});

const deleteSecretRoute = createRoute({
  method: "delete",
  operationId: "deletePixelProxySecret",
  path,
  summary: "Remove the first-party proxy secret (admin scope)",
  description:
    "Forwarded addresses are ignored from now on (within about 60 seconds at every edge location); hits through a proxy count under its own address. Succeeds when none is set.",
  middleware: [requireScope("admin")] as const,
  request: { params: OrganizationParams },
  responses: { 204: { description: "Removed" }, ...commonErrors },
});

export const proxySecret = createApi()
  .openapi(createSecretRoute, async (c) => {
    const { organizationId } = c.req.valid("param");
    await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
    const secret = generateProxySecret();
    const createdAt = isoSeconds();
    const sealed = await sealProxySecret(c.env, organizationId, secret);
    await setProxySecret(c.var.tenant.DB, organizationId, sealed, createdAt);
    await writeThroughPixels(c.var.tenant, [organizationId]);
    return c.json({ proxySecret: { secret, createdAt } }, 201);
  })
  .openapi(deleteSecretRoute, async (c) => {
    const { organizationId } = c.req.valid("param");
    await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
    if (await clearProxySecret(c.var.tenant.DB, organizationId))
      await writeThroughPixels(c.var.tenant, [organizationId]);
    return c.body(null, 204);
  });
