import { Hono } from "hono";
import type { DashboardEnv } from "../context";
import { consoleArea } from "../signed-in";
import { clientRoute } from "./client";
import { clientsRoute } from "./clients";
import { creditsRoute } from "./credits";
import { dashboardLinkRoute } from "./dashboard-link";
import { domainRoute } from "./domain";
import { newClientRoute } from "./new-client";
import { openClientRoute } from "./open";
import { consoleSignOutRoute } from "./sign-out";
import { statusRoute } from "./status";

/** The partner's console: `/console…`, for a console session of the partner. */
export const consoleRoutes = new Hono<DashboardEnv>()
  .use("/console", consoleArea)
  .use("/console/*", consoleArea)
  .route("/", clientsRoute)
  // Before the client's page, whose path would take "new" for an id.
  .route("/", newClientRoute)
  .route("/", clientRoute)
  .route("/", creditsRoute)
  .route("/", statusRoute)
  .route("/", dashboardLinkRoute)
  .route("/", openClientRoute)
  .route("/", domainRoute)
  .route("/", consoleSignOutRoute);
