import { createRoute } from "@hono/zod-openapi";
import { commonErrors, createApi } from "../../http/routes";
import { removeDomain as remove } from "../../partners/domain-setup";
import { requireScope } from "../auth";

const route = createRoute({
  method: "delete",
  path: "/domain",
  summary: "Remove the custom domain (admin scope)",
  description:
    "Script tags and dashboard links go back to the platform's host; sessions and unused sign-in links on the domain end, and its custom hostname is deleted at Cloudflare. Tags already embedded with the old domain stop loading once its DNS no longer points here. Succeeds when no domain is set.",
  middleware: [requireScope("admin")] as const,
  responses: { 204: { description: "Removed" }, ...commonErrors },
});

export const removeDomain = createApi().openapi(route, async (c) => {
  await remove(c.env, c.get("partnerId"));
  return c.body(null, 204);
});
