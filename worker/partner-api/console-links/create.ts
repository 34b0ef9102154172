import { createRoute, z } from "@hono/zod-openapi";
import { recordAudit } from "../../audit/queries";
import { commonErrors, createApi, jsonBody, jsonResponse } from "../../http/routes";
import { partnerDashboardPlace } from "../../partners/custom-domain";
import { issueSignInLink } from "../../sessions/links";
import { CONSOLE_ROLE } from "../../sessions/rules";
import { SignInLinkSchema } from "../dashboard-links/schemas";
import { ConsoleLinkRequest } from "./schemas";

const route = createRoute({
  method: "post",
  path: "/console-links",
  summary: "Create a single-use sign-in link to your console, for your own staff",
  description:
    "The console lists every client with its credits, identifications and install status, and opens their " +
    "dashboards (each opening is in the audit log). The link works once, for 10 minutes.",
  request: { body: jsonBody(ConsoleLinkRequest) },
  responses: { 201: jsonResponse("The link", z.object({ consoleLink: SignInLinkSchema })), ...commonErrors },
});

export const createConsoleLink = createApi().openapi(route, async (c) => {
  const { email } = c.req.valid("json");
  const partnerId = c.get("partnerId");
  const link = await issueSignInLink(c.env.CATALOG, await partnerDashboardPlace(c.env, partnerId, c.req.url), {
    partnerId,
    organizationId: null,
    email,
    role: CONSOLE_ROLE,
  });
  await recordAudit(c.var.tenant.DB, {
    partnerId,
    organizationId: null,
    action: "console_link.created",
    actor: { type: "api_key", id: c.get("apiKeyId") },
    details: { email },
  });
  c.header("cache-control", "no-store");
  return c.json({ consoleLink: link }, 201);
});
