import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { requireScope } from "../auth";
import { IdParam } from "../../http/schemas";
import { findDelivery, toAttempt, toDelivery, type AttemptRow } from "./queries";
import { AttemptSchema, DeliverySchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/webhooks/logs/{deliveryId}",
  summary: "One webhook delivery with every attempt (admin scope)",
  middleware: [requireScope("admin")] as const,
  request: { params: z.object({ deliveryId: IdParam("deliveryId") }) },
  responses: {
    200: jsonResponse(
      "The delivery",
      z.object({
        delivery: DeliverySchema.extend({
          payload: z.string().nullable().openapi({ description: "The exact body sent (fixed at the first attempt)" }),
        }),
        attempts: z.array(AttemptSchema).openapi({ description: "Every attempt, oldest first" }),
      }),
    ),
    ...commonErrors,
  },
});

export const getWebhookLog = createApi().openapi(route, async (c) => {
  const row = await findDelivery(c.var.tenant.DB, c.get("partnerId"), c.req.valid("param").deliveryId);
  const { results } = await c.var.tenant.DB.prepare(
    "SELECT attempt, url, started_at, status_code, error, latency_ms FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt",
  )
    .bind(row.id)
    .all<AttemptRow>();
  return c.json({ delivery: { ...toDelivery(row), payload: row.payload }, attempts: results.map(toAttempt) }, 200);
});
