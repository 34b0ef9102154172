import { Hono } from "hono";
import { recordAudit } from "../../audit/queries";
import { isMailAddress } from "../../email/message";
import { mailDashboardLink } from "../../email/dashboard-link";
import { partnerDashboardPlace } from "../../partners/custom-domain";
import { CLIENT_ROLES, type ClientRole } from "../../sessions/rules";
import type { DashboardEnv } from "../context";
import { consoleRole, notFoundPage } from "../signed-in";
import { clientPage, liveClient } from "./client";
import { consoleActor } from "./forms";

const PATH = "/console/clients/:organizationId/dashboard-links";

/**
 * `POST /console/clients/{organizationId}/dashboard-links` (staff and admins): mails a sign-in link
 * to the client's dashboard, in the partner's brand, as `dashboard-links` with `send: true` does
 * (it works once, within 24 hours); the page tells what became of the mail.
 */
export const dashboardLinkRoute = new Hono<DashboardEnv>().use(PATH, consoleRole("staff")).post(PATH, async (c) => {
  const row = await liveClient(c);
  if (!row) return notFoundPage(c);
  const form = await c.req.parseBody();
  const email = typeof form.email === "string" ? form.email.trim() : "";
  const role = form.role;
  const typed = { email, role: String(role ?? "") };
  if (email.length > 254 || !isMailAddress(email)) {
    return clientPage(c, row.id, { problem: "Enter the e-mail address the link is for.", code: 400, mail: typed });
  }
  if (!CLIENT_ROLES.includes(role as ClientRole)) {
    return clientPage(c, row.id, { problem: "Choose the role the link signs in with.", code: 400, mail: typed });
  }
  const session = c.get("session");
  const place = await partnerDashboardPlace(c.env, session.partnerId, c.req.url);
  const { outcome } = await mailDashboardLink(c.env, place, {
    partnerId: session.partnerId,
    organizationId: row.id,
    email,
    role: role as ClientRole,
    requestUrl: c.req.url,
  });
  await recordAudit(c.var.tenant.DB, {
    partnerId: session.partnerId,
    organizationId: row.id,
    action: "dashboard_link.created",
    actor: consoleActor(session),
    details: { email, role, mailed: outcome.status },
  });
  if (outcome.status === "delivered") return clientPage(c, row.id, { status: `Sign-in link sent to ${email}.` });
  const why =
    outcome.status === "unsubscribed"
      ? `${email} unsubscribed from these e-mails, so nothing was sent.`
      : `The e-mail to ${email} could not be delivered: ${outcome.error?.message ?? "unknown error"}.`;
  return clientPage(c, row.id, { problem: why, mail: typed });
});
