import { Hono } from "hono";
import { recordAudit } from "../../audit/queries";
import { setOrganizationEnabled } from "../../organizations/status";
import type { DashboardEnv } from "../context";
import { consoleRole, notFoundPage } from "../signed-in";
import { clientHref, clientPage, liveClient } from "./client";
import { consoleActor } from "./forms";

const PATH = "/console/clients/:organizationId/status";

/**
 * `POST /console/clients/{organizationId}/status` (staff and admins), `enabled` 0 or 1: pauses or
 * resumes the client as `PUT …/status` does (paused: an empty script, nothing counted or charged).
 * A pause or resume that changes nothing (posted twice) is not recorded twice.
 */
export const statusRoute = new Hono<DashboardEnv>().use(PATH, consoleRole("staff")).post(PATH, async (c) => {
  const row = await liveClient(c);
  if (!row) return notFoundPage(c);
  const form = await c.req.parseBody();
  if (form.enabled !== "0" && form.enabled !== "1") {
    return clientPage(c, row.id, { problem: "Choose to pause or to resume the client.", code: 400 });
  }
  const enabled = form.enabled === "1";
  const session = c.get("session");
  const { before, after } = await setOrganizationEnabled(c.var.tenant, session.partnerId, row.id, enabled);
  if (before.status !== after.status) {
    await recordAudit(c.var.tenant.DB, {
      partnerId: session.partnerId,
      organizationId: row.id,
      action: enabled ? "organization.enabled" : "organization.disabled",
      actor: consoleActor(session),
      details: { status: after.status },
    });
  }
  return c.redirect(`${clientHref(c, row.id)}?done=${enabled ? "resumed" : "paused"}`, 303);
});
