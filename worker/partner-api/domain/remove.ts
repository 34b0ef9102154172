import { createRoute } from "@hono/zod-openapi";
import { commonErrors, createApi } from "../../http/routes";
import { isoSeconds } from "../../lib/time";
import { requireScope } from "../auth";

const route = createRoute({
  method: "delete",
  path: "/domain",
  summary: "Remove the custom script domain (admin scope)",
  description:
    "Script tags go back to the platform's host. Tags already embedded with the old domain stop loading once its DNS no longer points here. Succeeds when no domain is set.",
  middleware: [requireScope("admin")] as const,
  responses: { 204: { description: "Removed" }, ...commonErrors },
});

export const removeDomain = createApi().openapi(route, async (c) => {
  await c.env.CATALOG.prepare(
    `UPDATE partners SET script_domain = NULL, script_domain_verified = 0, script_domain_verified_at = NULL,
       domain_verification_token = NULL, script_domain_claimed_at = NULL, updated_at = ? WHERE id = ? AND script_domain IS NOT NULL`,
  )
    .bind(isoSeconds(), c.get("partnerId"))
    .run();
  return c.body(null, 204);
});
