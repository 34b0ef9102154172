import { createRoute } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { domainVerification } from "../../partners/domain-setup";
import { DomainVerificationSchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/domain/verification",
  summary: "The custom domain's verification status and the DNS records to publish",
  description: "What was last checked (no DNS lookup, no call to Cloudflare); 404 when no custom domain is set.",
  responses: { 200: jsonResponse("Verification status", DomainVerificationSchema), ...commonErrors },
});

export const getDomainVerification = createApi().openapi(route, async (c) =>
  c.json(await domainVerification(c.env, c.get("partnerId"), c.req.url), 200),
);
