import { Hono } from "hono";
import type { DashboardEnv } from "../context";
import { clientArea } from "../signed-in";
import { companiesRoute } from "./companies";
import { companyRoute } from "./company";
import { deleteViewRoute } from "./delete-view";
import { exclusionsRoute } from "./exclusions";
import { exportRoute } from "./export";
import { notificationRoutes } from "./notifications";
import { overviewRoute } from "./overview";
import { saveViewRoute } from "./save-view";
import { clientSignOutRoute } from "./sign-out";

/** A client's dashboard: `/o/{organizationId}/…`, for a dashboard session of that organization only. */
export const clientRoutes = new Hono<DashboardEnv>()
  .use("/o/:organizationId/*", clientArea)
  .route("/", overviewRoute)
  .route("/", companiesRoute)
  .route("/", exportRoute)
  .route("/", saveViewRoute)
  .route("/", deleteViewRoute)
  .route("/", companyRoute)
  .route("/", exclusionsRoute)
  .route("/", notificationRoutes)
  .route("/", clientSignOutRoute);
