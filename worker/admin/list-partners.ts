import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../http/routes";
import { toOperatorPartner, type PartnerRow } from "../partners/partner";
import { OperatorPartnerSchema } from "../partners/schemas";

const route = createRoute({
  method: "get",
  path: "/partners",
  summary: "Find partners",
  request: { query: z.object({ slug: z.string().optional() }) },
  responses: { 200: jsonResponse("Partners", z.object({ partners: z.array(OperatorPartnerSchema) })), ...commonErrors },
});

export const listPartners = createApi().openapi(route, async (c) => {
  const { slug } = c.req.valid("query");
  const db = c.env.CATALOG;
  const { results } = await (
    slug
      ? db.prepare("SELECT * FROM partners WHERE slug = ?").bind(slug)
      : db.prepare("SELECT * FROM partners ORDER BY created_at LIMIT 100")
  ).all<PartnerRow>();
  return c.json({ partners: await Promise.all(results.map((row) => toOperatorPartner(c.env, row))) }, 200);
});
