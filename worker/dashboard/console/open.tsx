import { Hono } from "hono";
import { brandAndOrganization } from "../../insights/brand/queries";
import { startSession } from "../../sessions/sessions";
import type { DashboardEnv } from "../context";
import { notFoundPage, setSessionCookie } from "../signed-in";

/**
 * `POST /console/clients/{organizationId}/open`: the partner's staff open a client's dashboard,
 * as a client admin. It starts a dashboard session of its own (marked as opened from the console)
 * and the audit log records who opened which client's dashboard.
 */
export const openClientRoute = new Hono<DashboardEnv>().post("/console/clients/:organizationId/open", async (c) => {
  const staff = c.get("session");
  const { organization } = await brandAndOrganization(c.var.tenant, staff.partnerId, c.req.param("organizationId"));
  if (!organization || organization.status === "canceled") return notFoundPage(c);
  const { session, expiresAt } = await startSession(c.var.tenant, {
    partnerId: staff.partnerId,
    organizationId: organization.id,
    email: staff.email,
    role: "admin",
    host: staff.host,
    openedBy: { sessionId: staff.id, email: staff.email },
  });
  setSessionCookie(c, "dashboard", session.secret, expiresAt);
  return c.redirect(`${c.get("base")}/o/${organization.id}`, 303);
});
