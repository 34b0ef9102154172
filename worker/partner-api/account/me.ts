import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { loadPartner, toPartner } from "../../partners/partner";
import { PartnerSchema } from "../../partners/schemas";

const route = createRoute({
  method: "get",
  path: "/me",
  summary: "The partner account of this API key",
  responses: { 200: jsonResponse("The partner", z.object({ partner: PartnerSchema })), ...commonErrors },
});

export const getMe = createApi().openapi(route, async (c) => {
  const row = await loadPartner(c.env.CATALOG, c.get("partnerId"));
  return c.json({ partner: await toPartner(c.var.tenant.DB, row) }, 200);
});
