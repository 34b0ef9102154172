import { Hono } from "hono";
import { signOut } from "../../sessions/sessions";
import type { DashboardEnv } from "../context";
import { clearSessionCookie } from "../signed-in";
import { message } from "../ui/layout";

/** `POST /o/{organizationId}/sign-out`. */
export const clientSignOutRoute = new Hono<DashboardEnv>().post("/o/:organizationId/sign-out", async (c) => {
  await signOut(c.var.tenant, c.get("session"));
  clearSessionCookie(c, "dashboard");
  return message(c, "You have signed out", <p>See you soon. Open the dashboard again from your app.</p>, 200);
});
