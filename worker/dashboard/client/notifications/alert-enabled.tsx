import { Hono } from "hono";
import { updateAlert } from "../../../alerts/save";
import type { DashboardEnv } from "../../context";
import { notFoundPage } from "../../signed-in";
import { alertHref, saveContext, unlessGone } from "./context";

/**
 * `POST /o/{organizationId}/notifications/alerts/{alertId}/enabled` (client admins): `enabled=on` turns
 * the alert on, with the channels that were turned off because their webhook was gone; `off` turns it off.
 */
export const alertEnabledRoute = new Hono<DashboardEnv>().post(
  "/o/:organizationId/notifications/alerts/:alertId/enabled",
  async (c) => {
    const alertId = c.req.param("alertId");
    const enabled = (await c.req.parseBody()).enabled === "on";
    const saved = await unlessGone(updateAlert(c.var.tenant, saveContext(c), alertId, { enabled }));
    if (!saved) return notFoundPage(c);
    return c.redirect(`${alertHref(c, alertId)}?done=${enabled ? "on" : "off"}`, 303);
  },
);
