import { createRoute } from "@hono/zod-openapi";
import { renderDigestPreview } from "../../digests/preview";
import { DigestPreviewRequest, DigestPreviewSchema } from "../../digests/schemas";
import { commonErrors, createApi, jsonBody, jsonResponse } from "../../http/routes";
import { OrganizationParams } from "../../http/schemas";
import { findOrganization } from "../../organizations/organization";
import { digestContext } from "./schemas";

const route = createRoute({
  method: "post",
  path: "/organizations/{organizationId}/digests/preview",
  summary: "Render the digest a recipient would get now: its subject, HTML and text",
  description:
    "With `email`, that recipient's digest: their frequency (or `frequency`, when they get both) and segment, over the " +
    "time since their previous digest. Without, the last day (or week) of every identified visitor, or of `segmentId`. " +
    "Sends nothing; `empty: true` says that such a digest would not be sent.",
  request: { params: OrganizationParams, body: jsonBody(DigestPreviewRequest) },
  responses: { 200: jsonResponse("The rendered digest", DigestPreviewSchema), ...commonErrors },
});

export const previewDigest = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  await findOrganization(c.var.tenant.DB, c.get("partnerId"), organizationId);
  return c.json(await renderDigestPreview(c.var.tenant, digestContext(c, organizationId), c.req.valid("json")), 200);
});
