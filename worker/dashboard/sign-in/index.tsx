import { Hono } from "hono";
import { brandAndOrganization, brandOf } from "../../insights/brand/queries";
import { redeemSignInLink } from "../../sessions/links";
import { startSession } from "../../sessions/sessions";
import type { DashboardContext, DashboardEnv } from "../context";
import { setSessionCookie } from "../signed-in";
import { message } from "../ui/layout";
import { tenantOfPartner } from "../../shards";

const REFUSALS = {
  expired: {
    status: 410,
    title: "This sign-in link has expired",
    text: "Sign-in links work for 10 minutes. Go back to the app you came from and open the dashboard again: you will get a fresh link.",
  },
  used: {
    status: 410,
    title: "This sign-in link was already used",
    text: "Each sign-in link works once. Go back to the app you came from and open the dashboard again: you will get a fresh link.",
  },
  unknown: {
    status: 404,
    title: "This sign-in link is not valid",
    text: "Check that you copied the whole link, or open the dashboard again from the app you came from.",
  },
} as const;

async function refuse(c: DashboardContext, reason: keyof typeof REFUSALS, partnerId: string | null) {
  if (!c.get("brand") && partnerId) c.set("brand", await brandOf(c.env.CATALOG, partnerId));
  const refusal = REFUSALS[reason];
  return message(c, refusal.title, <p>{refusal.text}</p>, refusal.status);
}

/**
 * `GET /sign-in/{token}`: a link the partner's app asked for. Opening it once starts a session
 * (cookie set, then a redirect that drops the token from the address bar); an expired, used or
 * unknown link gets a page saying so, and never a session.
 */
export const signInRoute = new Hono<DashboardEnv>().get("/sign-in/:token", async (c) => {
  c.header("referrer-policy", "no-referrer");
  // Link checkers probe with HEAD: it must not spend the link.
  if (c.req.method === "HEAD") return c.body(null, 200);
  const host = new URL(c.req.url).host;
  // On a partner's domain, only that partner's links open (the brand is the host's partner there).
  const hostPartner = c.get("base") === "" ? c.get("brand")!.partnerId : null;
  const redemption = await redeemSignInLink(c.env.CATALOG, c.req.param("token"), host, hostPartner);
  if (!redemption.ok) return refuse(c, redemption.reason, redemption.partnerId);
  const { link } = redemption;
  const tenant = await tenantOfPartner(c.env, link.partnerId);
  if (link.organizationId) {
    const { organization } = await brandAndOrganization(tenant, link.partnerId, link.organizationId);
    if (!organization || organization.status === "canceled") return refuse(c, "unknown", link.partnerId);
  }
  const { session, expiresAt } = await startSession(tenant, link);
  setSessionCookie(c, link.organizationId ? "dashboard" : "console", session.secret, expiresAt);
  const base = c.get("base");
  return c.redirect(link.organizationId ? `${base}/o/${link.organizationId}` : `${base}/console`, 303);
});
