import { Hono } from "hono";
import { testAlert } from "../../../alerts/test-send";
import type { DashboardEnv } from "../../context";
import { notFoundPage } from "../../signed-in";
import { alertPage } from "./alert";
import { alertOrNull, unlessGone } from "./context";

/**
 * `POST /o/{organizationId}/notifications/alerts/{alertId}/test` (client admins): a sample to every
 * channel now, as `POST …/alerts/{alertId}/test` of the partner API; the alert's page shows what each answered.
 */
export const alertTestRoute = new Hono<DashboardEnv>().post(
  "/o/:organizationId/notifications/alerts/:alertId/test",
  async (c) => {
    const alertId = c.req.param("alertId");
    const tested = await unlessGone(testAlert(c.var.tenant, c.get("organization").id, alertId));
    const alert = tested && (await alertOrNull(c, alertId));
    return alert ? alertPage(c, alert, { tested: tested! }) : notFoundPage(c);
  },
);
