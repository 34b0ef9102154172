import { createRoute, z } from "@hono/zod-openapi";
import { recordAudit } from "../../audit/queries";
import { ApiError } from "../../lib/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { partnerDashboardPlace } from "../../partners/custom-domain";
import { issueSignInLink } from "../../sessions/links";
import { mailDashboardLink } from "../../email/dashboard-link";
import { MailDeliverySchema } from "../email-sender/schemas";
import { findOrganization } from "../../organizations/organization";
import { IdParam } from "../../http/schemas";
import { DashboardLinkRequest, SignInLinkSchema } from "./schemas";

const route = createRoute({
  method: "post",
  path: "/organizations/{organizationId}/dashboard-links",
  summary: "Create a single-use sign-in link to the organization's dashboard",
  description:
    "Your app authenticates its user, then asks for a link and redirects them to it. The link works once, " +
    "for 10 minutes, on your verified custom domain when you have one (else under /app on this host). " +
    "With `send: true` the link is mailed to `email` instead, in your brand: it then works once for 24 hours, " +
    "opens with a click on its page, and `delivery` says what became of the mail. " +
    "422 for a canceled organization.",
  request: { params: z.object({ organizationId: IdParam("organizationId") }), body: jsonBody(DashboardLinkRequest) },
  responses: {
    201: jsonResponse(
      "The link, and with `send: true` what became of the mail",
      z.object({ dashboardLink: SignInLinkSchema, delivery: MailDeliverySchema.optional() }),
    ),
    ...commonErrors,
    ...errorResponses(422),
  },
});

export const createDashboardLink = createApi().openapi(route, async (c) => {
  const { organizationId } = c.req.valid("param");
  const { email, role, send } = c.req.valid("json");
  const partnerId = c.get("partnerId");
  const organization = await findOrganization(c.var.tenant.DB, partnerId, organizationId);
  if (organization.status === "canceled") {
    throw new ApiError("UnprocessableEntity", "The organization is canceled", { status: organization.status });
  }
  const place = await partnerDashboardPlace(c.env, partnerId, c.req.url);
  const { link, outcome } = send
    ? await mailDashboardLink(c.env, place, { partnerId, organizationId, email, role, requestUrl: c.req.url })
    : { link: await issueSignInLink(c.env.CATALOG, place, { partnerId, organizationId, email, role }), outcome: null };
  await recordAudit(c.var.tenant.DB, {
    partnerId,
    organizationId,
    action: "dashboard_link.created",
    actor: { type: "api_key", id: c.get("apiKeyId") },
    details: { email, role, ...(outcome ? { mailed: outcome.status } : {}) },
  });
  c.header("cache-control", "no-store");
  return c.json({ dashboardLink: link, ...(outcome ? { delivery: { to: email, ...outcome } } : {}) }, 201);
});
