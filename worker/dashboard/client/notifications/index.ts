import { Hono } from "hono";
import type { DashboardEnv } from "../../context";
import { adminOnly } from "../../signed-in";
import { alertRoute } from "./alert";
import { alertDeleteRoute } from "./alert-delete";
import { alertEnabledRoute } from "./alert-enabled";
import { alertTestRoute } from "./alert-test";
import { digestPreviewRoute } from "./digest-preview";
import { digestPreviewMailRoute } from "./digest-preview-mail";
import { digestTestRoute } from "./digest-test";
import { digestsRoute } from "./digests";
import { newAlertRoute } from "./new-alert";
import { notificationsRoute } from "./notifications";

/**
 * The Notifications page of a client's dashboard (client admins; a 404 to viewers, like exclusions):
 * alert rules and digests through the same domain functions as the partner API (worker/alerts/,
 * worker/digests/), audited as the signed-in user. Forms post with the session's CSRF token (clientArea).
 */
export const notificationRoutes = new Hono<DashboardEnv>()
  .use("/o/:organizationId/notifications", adminOnly)
  .use("/o/:organizationId/notifications/*", adminOnly)
  .route("/", notificationsRoute)
  // Before the alert's page, whose `:alertId` would take "new".
  .route("/", newAlertRoute)
  .route("/", alertRoute)
  .route("/", alertTestRoute)
  .route("/", alertEnabledRoute)
  .route("/", alertDeleteRoute)
  .route("/", digestsRoute)
  .route("/", digestPreviewRoute)
  .route("/", digestPreviewMailRoute)
  .route("/", digestTestRoute);
