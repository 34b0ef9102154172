import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { brandAndOrganization, brandOf } from "../insights/brand/queries";
import { sha256Hex } from "../lib/crypto";
import { clientAddress } from "../rate-limit/address";
import { limitActions, limitSession } from "../rate-limit/dashboard";
import { countFailure, failingTooOften, rememberVerified, tooManyFailures } from "../rate-limit/failures";
import { allSegments } from "../segments/queries";
import { csrfToken, csrfTokenValid, postedFromOwnOrigin } from "../sessions/csrf";
import { consoleMay, type ConsoleRole } from "../sessions/rules";
import { findSession, type FoundSession } from "../sessions/sessions";
import type { DashboardContext, DashboardEnv } from "./context";
import { message } from "./ui/layout";
import { tenantOfPartner } from "../shards";

/** Two cookies, so a person can hold a client dashboard and the console at once. Host-only (`__Host-`). */
export const COOKIES = { dashboard: "session", console: "console" } as const;
export type SessionKind = keyof typeof COOKIES;

export function setSessionCookie(c: DashboardContext, kind: SessionKind, secret: string, expiresAt: string) {
  setCookie(c, COOKIES[kind], secret, {
    prefix: "host",
    path: "/",
    secure: true,
    httpOnly: true,
    sameSite: "Lax",
    expires: new Date(expiresAt),
  });
}

export const clearSessionCookie = (c: DashboardContext, kind: SessionKind) =>
  deleteCookie(c, COOKIES[kind], { prefix: "host", path: "/", secure: true });

/**
 * The live session of this kind behind the request's cookie (on this host, of this host's partner).
 * A cookie that opens no session is cleared and counts as a failure of the address
 * (`FAILURE_LIMITER`); an address over its budget gets 429 before its next cookie is looked up,
 * unless that cookie opened a session here lately.
 */
export async function sessionOf(c: DashboardContext, kind: SessionKind): Promise<FoundSession | null> {
  const secret = getCookie(c, COOKIES[kind], "host");
  if (!secret) return null;
  const address = clientAddress(c.req.raw.headers);
  const credential = await sha256Hex(secret);
  if (failingTooOften("dashboard", address, credential)) throw tooManyFailures();
  const found = await findSession(c.env, secret, new URL(c.req.url).host);
  if (!found) {
    clearSessionCookie(c, kind);
    if (await countFailure(c.env, "dashboard", address)) throw tooManyFailures();
    return null;
  }
  rememberVerified("dashboard", credential);
  const hostPartner = c.get("brand")?.partnerId;
  if (c.get("base") === "" && hostPartner !== found.session.partnerId) return null;
  if ((kind === "console") !== (found.session.organizationId === null)) return null;
  return found;
}

export const signedOutPage = (c: DashboardContext) =>
  message(
    c,
    "You are signed out",
    <p>Your session has ended. Open this dashboard again from the app you normally sign in to.</p>,
    401,
  );

export const notFoundPage = (c: DashboardContext) =>
  message(c, "Page not found", <p>There is nothing here, or it is not yours to see.</p>, 404);

export const expiredFormPage = (c: DashboardContext) =>
  message(
    c,
    "This form has expired",
    <p>For your security the form was not accepted. Go back, reload the page and try again.</p>,
    403,
  );

/** Every form that posts: sent from this origin, carrying the session's CSRF token. */
async function formAccepted(c: DashboardContext, secret: string): Promise<boolean> {
  if (!postedFromOwnOrigin(c.req.raw)) return false;
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/form-data")) return false;
  const form = await c.req.parseBody();
  return csrfTokenValid(secret, form._csrf);
}

/** A signed-in request: counted for its session (and, when it posts, for its address), then set up. */
async function admit(c: DashboardContext, found: FoundSession) {
  await limitSession(c.env, found.session.id);
  if (c.req.method === "POST") await limitActions(c.env, clientAddress(c.req.raw.headers));
  if (found.touch) c.executionCtx.waitUntil(found.touch());
  c.set("session", found.session);
  c.set("tenant", await tenantOfPartner(c.env, found.session.partnerId));
  c.set("csrf", await csrfToken(found.session.secret));
}

/**
 * Client pages (`/o/{organizationId}/…`): a dashboard session of exactly this organization.
 * Signed out → 401 page; another organization → 404, like a page that does not exist.
 */
export const clientArea = createMiddleware<DashboardEnv>(async (c, next) => {
  const found = await sessionOf(c, "dashboard");
  if (!found) return signedOutPage(c);
  await admit(c, found);
  const { session } = found;
  const [{ brand, organization }, savedViews] = await Promise.all([
    brandAndOrganization(c.var.tenant, session.partnerId, session.organizationId!),
    allSegments(c.var.tenant.DB, session.organizationId!),
  ]);
  c.set("brand", c.get("brand") ?? brand);
  if (!organization || session.organizationId !== c.req.param("organizationId")) return notFoundPage(c);
  c.set("organization", organization);
  c.set("savedViews", savedViews);
  if (c.req.method === "POST" && !(await formAccepted(c, session.secret))) return expiredFormPage(c);
  await next();
});

/** Console pages: a console session of this host's partner. */
export const consoleArea = createMiddleware<DashboardEnv>(async (c, next) => {
  const found = await sessionOf(c, "console");
  if (!found) return signedOutPage(c);
  await admit(c, found);
  c.set("brand", c.get("brand") ?? (await brandOf(c.env.CATALOG, found.session.partnerId)));
  if (c.req.method === "POST" && !(await formAccepted(c, found.session.secret))) return expiredFormPage(c);
  await next();
});

/** Pages for client admins only; others get the 404 of a page that does not exist. */
export const adminOnly = createMiddleware<DashboardEnv>(async (c, next) => {
  if (c.get("session").role !== "admin") return notFoundPage(c);
  await next();
});

/**
 * Console actions for the roles allowed them (`staff` changes clients, `admin` also credits, as API
 * keys of `write` and `admin` scope may); others get a 403 page and nothing changes.
 */
export const consoleRole = (needed: ConsoleRole) =>
  createMiddleware<DashboardEnv>(async (c, next) => {
    if (!consoleMay(c.get("session").role, needed)) return notAllowedPage(c);
    await next();
  });

export const notAllowedPage = (c: DashboardContext) =>
  message(
    c,
    "Not allowed",
    <p>Your role in this console cannot do this. Ask your administrator for a console link with another role.</p>,
    403,
  );
