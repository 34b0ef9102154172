import { createRoute, z } from "@hono/zod-openapi";
import { recordAudit } from "../../audit/queries";
import { commonErrors, createApi, jsonBody, jsonResponse } from "../../http/routes";
import { partnerDashboardPlace } from "../../partners/custom-domain";
import { issueSignInLink } from "../../sessions/links";
import type { Scope } from "../../../shared/accounts";
import { ApiError } from "../../lib/errors";
import { hasScope } from "../auth";
import { SignInLinkSchema } from "../dashboard-links/schemas";
import { ConsoleLinkRequest } from "./schemas";

const route = createRoute({
  method: "post",
  path: "/console-links",
  summary: "Create a single-use sign-in link to your console, for your own staff",
  description:
    "The console lists every client with its credits, identifications and install status, opens their " +
    "dashboards, and (by role) creates clients, pauses and resumes them, mails dashboard links and allocates credits, " +
    "each on the audit log. The link works once, for 10 minutes. A link with role `admin` needs the `admin` scope.",
  request: { body: jsonBody(ConsoleLinkRequest) },
  responses: { 201: jsonResponse("The link", z.object({ consoleLink: SignInLinkSchema })), ...commonErrors },
});

export const createConsoleLink = createApi().openapi(route, async (c) => {
  const { email, role } = c.req.valid("json");
  const partnerId = c.get("partnerId");
  if (role === "admin" && !hasScope(c.get("scopes") as Scope[], "admin")) {
    throw new ApiError("Forbidden", "A console link with role 'admin' allocates credits: it needs the 'admin' scope");
  }
  const link = await issueSignInLink(c.env.CATALOG, await partnerDashboardPlace(c.env, partnerId, c.req.url), {
    partnerId,
    organizationId: null,
    email,
    role,
  });
  await recordAudit(c.var.tenant.DB, {
    partnerId,
    organizationId: null,
    action: "console_link.created",
    actor: { type: "api_key", id: c.get("apiKeyId") },
    details: { email, role },
  });
  c.header("cache-control", "no-store");
  return c.json({ consoleLink: link }, 201);
});
