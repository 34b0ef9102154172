import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { requireScope } from "../auth";
import { IdParam } from "../../http/schemas";
import { attemptsOf, findDelivery, toAttempt, toDelivery } from "./queries";
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
  const attempts = (await attemptsOf(c.var.tenant.DB, row.id)).map(toAttempt);
  return c.json({ delivery: { ...toDelivery(row), payload: row.payload }, attempts }, 200);
});
