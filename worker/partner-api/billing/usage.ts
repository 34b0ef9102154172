import { createRoute } from "@hono/zod-openapi";
import { utcDay } from "../../lib/time";
import { partnerUsage } from "../../billing/usage";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { DateRangeQuery, UsageSchema, checkRange } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/usage",
  summary: "Credits consumed and hits recorded in a date range (default: first of the month to today)",
  request: { query: DateRangeQuery },
  responses: { 200: jsonResponse("Usage", UsageSchema), ...commonErrors },
});

export const getUsage = createApi().openapi(route, async (c) => {
  const query = c.req.valid("query");
  const today = utcDay(Date.now());
  const startDate = query.startDate ? utcDay(query.startDate) : `${today.slice(0, 8)}01`;
  const endDate = query.endDate ? utcDay(query.endDate) : today;
  checkRange(startDate, endDate);
  const usage = await partnerUsage(c.var.tenant.DB, c.get("partnerId"), startDate, endDate);
  return c.json({ startDate, endDate, totalQuantity: usage.credits, totalEvents: usage.events }, 200);
});
