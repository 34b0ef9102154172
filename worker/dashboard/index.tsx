import { Hono } from "hono";
import { ApiError } from "../lib/errors";
import { handleError } from "../lib/error-response";
import { limitBody } from "../lib/body-limit";
import { brandOf } from "../insights/brand/queries";
import { partnerOfHost } from "../partners/custom-domain";
import { clientRoutes } from "./client";
import { consoleRoutes } from "./console";
import type { DashboardEnv } from "./context";
import { signInRoute } from "./sign-in";
import { unsubscribeRoute } from "./unsubscribe";
import { notFoundPage, sessionOf, signedOutPage } from "./signed-in";
import { message } from "./ui/layout";

/**
 * Largest body of a dashboard form post: the exclusions form at its limits (500 domains of 253
 * characters and 500 IPv6 ranges, URL-encoded) is about 165 KB.
 */
export const MAX_FORM_BYTES = 256 * 1024;

/**
 * The client dashboards and partner consoles, served at `base`: "" on a partner's verified
 * custom domain (the partner is the host's), "/app" on the platform host (the partner is the
 * session's or the link's). See docs/dashboard.md.
 */
export function dashboardApp(base: "" | "/app") {
  const app = new Hono<DashboardEnv>({ strict: false });
  app.onError((err, c) => {
    if (err instanceof ApiError && err.code === "RateLimited") {
      c.header("Retry-After", String((err.details as { retryAfter: number }).retryAfter));
      return message(c, "Too many requests", <p>Please wait a minute, then try again.</p>, 429);
    }
    if (err instanceof ApiError) return handleError(err, c);
    console.error("dashboard error", err);
    return message(c, "Something went wrong", <p>Please try again in a moment.</p>, 500);
  });
  // Before anything reads a form: bytes are counted as they stream in.
  app.use("*", limitBody(MAX_FORM_BYTES));
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
  app.route("/", signInRoute).route("/", unsubscribeRoute).route("/", clientRoutes).route("/", consoleRoutes);
  // Mounted under /app, the parent's not-found handler would answer: catch the rest here, in the brand.
  app.all("*", (c) => notFoundPage(c));
  return app;
}
