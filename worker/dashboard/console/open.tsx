import { Hono } from "hono";
import { brandAndOrganization } from "../../insights/brand/queries";
import { openFromConsole } from "../../sessions/sessions";
import type { DashboardEnv } from "../context";
import { notFoundPage, setSessionCookie } from "../signed-in";

/**
 * `POST /console/clients/{organizationId}/open`: the partner's staff open a client's dashboard,
 * as a client admin. It starts a dashboard session of its own (marked as opened from the console,
 * ending with the console session), or takes over the one this console session opened before,
 * and the audit log records who opened which client's dashboard.
 */
export const openClientRoute = new Hono<DashboardEnv>().post("/console/clients/:organizationId/open", async (c) => {
  const staff = c.get("session");
  const { organization } = await brandAndOrganization(c.var.tenant, staff.partnerId, c.req.param("organizationId"));
  if (!organization || organization.status === "canceled") return notFoundPage(c);
  const { session, expiresAt } = await openFromConsole(c.var.tenant, staff, organization.id);
  setSessionCookie(c, "dashboard", session.secret, expiresAt);
  return c.redirect(`${c.get("base")}/o/${organization.id}`, 303);
});
