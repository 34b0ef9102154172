import { Hono } from "hono";
import { ApiError, handleError } from "../http/errors";
import { brandOf } from "../insights/brand/queries";
import { partnerOfHost } from "../partners/custom-domain";
import { clientRoutes } from "./client";
import { consoleRoutes } from "./console";
import type { DashboardEnv } from "./context";
import { signInRoute } from "./sign-in";
import { notFoundPage, sessionOf, signedOutPage } from "./signed-in";
import { message } from "./ui/layout";

/** A year: asset URLs carry their content hash, so a new version has a new URL. */

/**
 * The client dashboards and partner consoles, served at `base`: "" on a partner's verified
 * custom domain (the partner is the host's), "/app" on the platform host (the partner is the
 * session's or the link's). See docs/dashboard.md.
 */
export function dashboardApp(base: "" | "/app") {
  const app = new Hono<DashboardEnv>({ strict: false });
  app.onError((err, c) => {
    if (err instanceof ApiError) return handleError(err, c);
    console.error("dashboard error", err);
    return message(c, "Something went wrong", <p>Please try again in a moment.</p>, 500);
  });
  app.use("*", async (c, next) => {
    c.set("base", base);
    c.set("brand", null);
    if (base === "") {
      const partnerId = await partnerOfHost(c.env, new URL(c.req.url).hostname);
      if (!partnerId) throw new ApiError("NotFound", `No route for ${c.req.method} ${c.req.path}`);
      c.set("brand", await brandOf(c.env.CATALOG, partnerId));
    }
    await next();
  });
  app.get("/", async (c) => {
    const client = await sessionOf(c, "dashboard");
    if (client) return c.redirect(`${base}/o/${client.session.organizationId}`, 303);
    if (await sessionOf(c, "console")) return c.redirect(`${base}/console`, 303);
    return signedOutPage(c);
  });
  app.route("/", signInRoute).route("/", clientRoutes).route("/", consoleRoutes);
  // Mounted under /app, the parent's not-found handler would answer: catch the rest here, in the brand.
  app.all("*", (c) => notFoundPage(c));
  return app;
}
