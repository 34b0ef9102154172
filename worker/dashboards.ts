import { Hono } from "hono";
import { dashboardApp } from "./dashboard";
import { demoSite } from "./demo/site";
import type { AppEnv } from "./env";
import { handleError, routeNotFound } from "./lib/error-response";
import { PLATFORM_BASE } from "./partners/custom-domain";
import { platformHostOnly } from "./partners/platform-host";

/**
 * The dashboards room: client dashboards and partner consoles under `/app` on the platform host and
 * at the root of partners' verified domains, and the local demo site. Loaded on the first page
 * request of an isolate (worker/index.ts).
 */
export const dashboards = new Hono<AppEnv>();
dashboards.onError(handleError);
dashboards.notFound(routeNotFound);
for (const path of ["/app", "/app/*", "/demo/*"]) dashboards.use(path, platformHostOnly);
dashboards.route("/demo", demoSite);
dashboards.get(`${PLATFORM_BASE}/`, (c) => c.redirect(PLATFORM_BASE, 301));
dashboards.route(PLATFORM_BASE, dashboardApp(PLATFORM_BASE));
// Anything else may be a page of a partner's dashboard on its verified custom domain (else 404).
const partnerDomains = dashboardApp("");
dashboards.all("*", (c) => partnerDomains.fetch(c.req.raw, c.env, c.executionCtx));
