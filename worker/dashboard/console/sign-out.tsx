import { Hono } from "hono";
import { signOut } from "../../sessions/sessions";
import type { DashboardEnv } from "../context";
import { clearSessionCookie } from "../signed-in";
import { message } from "../ui/layout";

/** `POST /console/sign-out`. */
export const consoleSignOutRoute = new Hono<DashboardEnv>().post("/console/sign-out", async (c) => {
  await signOut(c.var.tenant, c.get("session"));
  clearSessionCookie(c, "console");
  return message(c, "You have signed out", <p>Open the console again from your app.</p>, 200);
});
