import { createRoute, z } from "@hono/zod-openapi";
import { pricingTiersOf, quote } from "../../billing/pricing";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { QuoteSchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/billing/calculate",
  summary: "Price a number of identifications with the partner's pricing tiers",
  request: {
    query: z.object({
      usage: z.coerce
        .number()
        .int()
        .min(0)
        .max(1_000_000_000)
        .openapi({ example: 2500, description: "Identifications" }),
    }),
  },
  responses: { 200: jsonResponse("The price", QuoteSchema), ...commonErrors },
});

export const calculateCost = createApi().openapi(route, async (c) => {
  const tiers = await pricingTiersOf(c.env.CATALOG, c.get("partnerId"));
  return c.json(quote(tiers, c.req.valid("query").usage), 200);
});
