import { Hono } from "hono";
import { brandAndOrganization, brandOf } from "../../insights/brand/queries";
import { clientAddress } from "../../rate-limit/address";
import { countFailure, failingTooOften, tooManyFailures } from "../../rate-limit/failures";
import { postedFromOwnOrigin } from "../../sessions/csrf";
import { peekSignInLink, redeemSignInLink, signInPath, type RedeemedLink } from "../../sessions/links";
import { startSession } from "../../sessions/sessions";
import type { DashboardContext, DashboardEnv } from "../context";
import { expiredFormPage, sessionOf, setSessionCookie } from "../signed-in";
import { message, render } from "../ui/layout";
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

/** Why a link was refused; a token that matches nothing also counts against the address (`FAILURE_LIMITER`). */
async function counted(c: DashboardContext, refusal: { reason: keyof typeof REFUSALS }) {
  if (refusal.reason === "unknown" && (await countFailure(c.env, "dashboard", clientAddress(c.req.raw.headers))))
    throw tooManyFailures();
  return refusal.reason;
}

/** The browser already holds a live session here (of either kind), which the link would replace or join. */
const holdsSession = async (c: DashboardContext) =>
  (await sessionOf(c, "dashboard")) !== null || (await sessionOf(c, "console")) !== null;

/**
 * Asked when another site sent a browser that is already signed in here to a sign-in link: that
 * site may be signing the person in to an account of its own (login CSRF). Continuing is a
 * same-origin form post, which no other site can make.
 */
async function confirmation(c: DashboardContext, token: string, link: RedeemedLink) {
  const tenant = await tenantOfPartner(c.env, link.partnerId);
  const { brand, organization } = link.organizationId
    ? await brandAndOrganization(tenant, link.partnerId, link.organizationId)
    : { brand: await brandOf(c.env.CATALOG, link.partnerId), organization: null };
  c.set("brand", c.get("brand") ?? brand);
  const base = c.get("base");
  const where = organization ? `the dashboard of ${organization.name}` : "the console";
  return render(
    c,
    { title: "Switch sessions?" },
    <div class="center">
      <h1>Switch sessions?</h1>
      <p>
        You are already signed in here. This link, opened from another site, signs you in to {where} as{" "}
        <strong>{link.email}</strong> instead.
      </p>
      <p>If you did not expect this, keep your session: someone may be trying to sign you in to their account.</p>
      <form method="post" action={`${base}${signInPath(token)}`}>
        <button type="submit">Sign in as {link.email}</button>
      </form>
      <p>
        <a href={`${base}/`}>Keep my current session</a>
      </p>
    </div>,
  );
}

/**
 * A link the platform mailed: a page with the button that opens it. Mail providers fetch every link
 * of a mail to scan it; a GET that spent the link would leave its person a "used" page.
 */
async function mailedLinkPage(c: DashboardContext, token: string, link: RedeemedLink) {
  if (!c.get("brand")) c.set("brand", await brandOf(c.env.CATALOG, link.partnerId));
  return message(
    c,
    "Open your dashboard",
    <form method="post" action={`${c.get("base")}${signInPath(token)}`}>
      <p>This link from your e-mail signs you in once, as {link.email}.</p>
      <button type="submit">Open the dashboard</button>
    </form>,
    200,
  );
}

/**
 * Opens a link: the session starts, the cookie is set, and a redirect drops the token from the
 * address bar. An address that sent too many tokens matching nothing is refused before its next lookup.
 */
async function open(c: DashboardContext, token: string, confirmed: boolean) {
  c.header("referrer-policy", "no-referrer");
  if (failingTooOften("dashboard", clientAddress(c.req.raw.headers))) throw tooManyFailures();
  const host = new URL(c.req.url).host;
  // On a partner's domain, only that partner's links open (the brand is the host's partner there).
  const hostPartner = c.get("base") === "" ? c.get("brand")!.partnerId : null;
  if (!confirmed) {
    const found = await peekSignInLink(c.env.CATALOG, token, host, hostPartner);
    if (!found.ok) return refuse(c, await counted(c, found), found.partnerId);
    if (found.link.mailed) return mailedLinkPage(c, token, found.link);
    if (c.req.header("sec-fetch-site") === "cross-site" && (await holdsSession(c))) {
      return confirmation(c, token, found.link);
    }
  }
  const redemption = await redeemSignInLink(c.env.CATALOG, token, host, hostPartner);
  if (!redemption.ok) return refuse(c, await counted(c, redemption), redemption.partnerId);
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
}

/**
 * `GET /sign-in/{token}`: a link the partner's app asked for. Opening it once starts a session; an
 * expired, used or unknown link gets a page saying so, and never a session. A browser that another
 * site sends here while it is signed in is asked first (`POST`, same origin only), and so is
 * everyone who opens a link the platform mailed.
 */
export const signInRoute = new Hono<DashboardEnv>()
  .get("/sign-in/:token", async (c) => {
    // Link checkers probe with HEAD: it must not spend the link.
    if (c.req.method === "HEAD") return c.body(null, 200, { "referrer-policy": "no-referrer" });
    return open(c, c.req.param("token"), false);
  })
  .post("/sign-in/:token", async (c) => {
    if (!postedFromOwnOrigin(c.req.raw)) return expiredFormPage(c);
    return open(c, c.req.param("token"), true);
  });
