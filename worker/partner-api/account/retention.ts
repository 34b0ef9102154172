import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonBody, jsonResponse } from "../../http/routes";
import { loadPartner } from "../../partners/partner";
import { setRetentionDays } from "../../partners/queries";
import { RetentionDaysSchema } from "../../partners/schemas";
import { requireScope } from "../auth";

const Retention = z.object({ retentionDays: RetentionDaysSchema }).openapi("Retention");

const response = jsonResponse("How long identified visitors keep their story", Retention);

const getRoute = createRoute({
  method: "get",
  operationId: "getRetention",
  path: "/retention",
  summary: "How long identified visitors keep their sessions and page views",
  responses: { 200: response, ...commonErrors },
});

const putRoute = createRoute({
  method: "put",
  operationId: "updateRetention",
  path: "/retention",
  summary: "Choose how long identified visitors keep their sessions and page views (admin scope)",
  description:
    "Applies to every organization of the partner. Shortening it removes what is older within a few cron runs (every 15 minutes); lengthening it keeps what is still there. Receipts, the ledger and the daily counts are kept regardless.",
  middleware: [requireScope("admin")] as const,
  request: { body: jsonBody(Retention.strict()) },
  responses: { 200: response, ...commonErrors },
});

export const retentionRoutes = createApi()
  .openapi(getRoute, async (c) => {
    const partner = await loadPartner(c.env.CATALOG, c.get("partnerId"));
    return c.json({ retentionDays: partner.retention_days }, 200);
  })
  .openapi(putRoute, async (c) => {
    const { retentionDays } = c.req.valid("json");
    await setRetentionDays(c.env.CATALOG, c.get("partnerId"), retentionDays);
    return c.json({ retentionDays }, 200);
  });
