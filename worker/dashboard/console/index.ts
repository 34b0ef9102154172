import { Hono } from "hono";
import type { DashboardEnv } from "../context";
import { consoleArea } from "../signed-in";
import { clientsRoute } from "./clients";
import { domainRoute } from "./domain";
import { openClientRoute } from "./open";
import { consoleSignOutRoute } from "./sign-out";

/** The partner's console: `/console…`, for a console session of the partner. */
export const consoleRoutes = new Hono<DashboardEnv>()
  .use("/console", consoleArea)
  .use("/console/*", consoleArea)
  .route("/", clientsRoute)
  .route("/", openClientRoute)
  .route("/", domainRoute)
  .route("/", consoleSignOutRoute);
