import { createRoute } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { DomainVerificationSchema } from "./schemas";
import { partnerWithDomain, verificationState } from "../../partners/custom-domain";

const route = createRoute({
  method: "get",
  path: "/domain/verification",
  summary: "The custom domain's verification status and the DNS records to publish",
  description: "404 when no custom domain is set.",
  responses: { 200: jsonResponse("Verification status", DomainVerificationSchema), ...commonErrors },
});

export const getDomainVerification = createApi().openapi(route, async (c) => {
  const partner = await partnerWithDomain(c.env.CATALOG, c.get("partnerId"));
  return c.json(verificationState(c.env, c.req.url, partner), 200);
});
