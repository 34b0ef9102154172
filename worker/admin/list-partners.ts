import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../http/routes";
import { toOperatorPartner } from "../partners/partner";
import { findPartners } from "../partners/queries";
import { OperatorPartnerSchema } from "../partners/schemas";

const route = createRoute({
  method: "get",
  path: "/partners",
  summary: "Find partners",
  request: { query: z.object({ slug: z.string().optional() }) },
  responses: { 200: jsonResponse("Partners", z.object({ partners: z.array(OperatorPartnerSchema) })), ...commonErrors },
});

export const listPartners = createApi().openapi(route, async (c) => {
  const rows = await findPartners(c.env.CATALOG, c.req.valid("query").slug);
  return c.json({ partners: await Promise.all(rows.map((row) => toOperatorPartner(c.env, row))) }, 200);
});
