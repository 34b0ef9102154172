import { Hono } from "hono";
import { deleteAlert } from "../../../alerts/save";
import type { DashboardEnv } from "../../context";
import { notFoundPage } from "../../signed-in";
import { notificationsRoot, saveContext, unlessGone } from "./context";

/** `POST /o/{organizationId}/notifications/alerts/{alertId}/delete` (client admins): the alert, its channels and its log go. */
export const alertDeleteRoute = new Hono<DashboardEnv>().post(
  "/o/:organizationId/notifications/alerts/:alertId/delete",
  async (c) => {
    const deleted = await unlessGone(
      deleteAlert(c.var.tenant, saveContext(c), c.req.param("alertId")).then(() => true),
    );
    return deleted ? c.redirect(`${notificationsRoot(c)}?done=deleted`, 303) : notFoundPage(c);
  },
);
