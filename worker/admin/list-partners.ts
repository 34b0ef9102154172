import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../http/routes";
import { toPartner, type PartnerRow } from "../partners/partner";
import { PartnerSchema } from "../partners/schemas";

const route = createRoute({
  method: "get",
  path: "/partners",
  summary: "Find partners",
  request: { query: z.object({ slug: z.string().optional() }) },
  responses: { 200: jsonResponse("Partners", z.object({ partners: z.array(PartnerSchema) })), ...commonErrors },
});

export const listPartners = createApi().openapi(route, async (c) => {
  const { slug } = c.req.valid("query");
  const db = c.env.DB;
  const { results } = await (
    slug
      ? db.prepare("SELECT * FROM partners WHERE slug = ?").bind(slug)
      : db.prepare("SELECT * FROM partners ORDER BY created_at LIMIT 100")
  ).all<PartnerRow>();
  return c.json({ partners: await Promise.all(results.map((row) => toPartner(db, row))) }, 200);
});
