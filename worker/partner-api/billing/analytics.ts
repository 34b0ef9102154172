import { createRoute } from "@hono/zod-openapi";
import { addDays, utcDay } from "../../lib/time";
import { partnerAnalytics } from "../../billing/usage";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { AnalyticsSchema, DateRangeQuery, checkRange } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/analytics",
  summary: "Organizations, identifications and credits in a date range (default: the last 30 days)",
  request: { query: DateRangeQuery },
  responses: { 200: jsonResponse("Analytics", AnalyticsSchema), ...commonErrors },
});

export const getAnalytics = createApi().openapi(route, async (c) => {
  const query = c.req.valid("query");
  const endDate = query.endDate ? utcDay(query.endDate) : utcDay(Date.now());
  // 30 days including today.
  const startDate = query.startDate ? utcDay(query.startDate) : addDays(endDate, -29);
  checkRange(startDate, endDate);
  const partnerId = c.get("partnerId");
  const analytics = await partnerAnalytics(c.var.tenant.DB, partnerId, startDate, endDate);
  return c.json({ partnerId, startDate, endDate, ...analytics }, 200);
});
