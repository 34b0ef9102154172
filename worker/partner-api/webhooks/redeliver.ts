import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../../lib/errors";
import { commonErrors, createApi, errorResponses, jsonResponse } from "../../http/routes";
import { isActive, loadEndpoint } from "../../webhooks/endpoints";
import { redeliver } from "../../webhooks/on-demand";
import { requireScope } from "../auth";
import { IdParam } from "../../http/schemas";
import { findDelivery, loadDelivery, resultOf } from "./queries";
import { AttemptSchema, DeliverySchema } from "./schemas";

const route = createRoute({
  method: "post",
  path: "/webhooks/logs/{deliveryId}/redeliver",
  summary: "Deliver again now, with the same webhook-id and body (admin scope)",
  description:
    "Makes one attempt right away and answers with it. If it fails, the delivery is retried on a fresh schedule (10 s … 24 h). 422 while the webhook is switched off or disabled: enable it first.",
  middleware: [requireScope("admin")] as const,
  request: { params: z.object({ deliveryId: IdParam("deliveryId") }) },
  responses: {
    200: jsonResponse(
      "The delivery and the attempt just made",
      z.object({ delivery: DeliverySchema, attempt: z.union([AttemptSchema, z.null()]) }),
    ),
    ...commonErrors,
    ...errorResponses(422),
  },
});

export const redeliverWebhook = createApi().openapi(route, async (c) => {
  const partnerId = c.get("partnerId");
  const row = await findDelivery(c.var.tenant.DB, partnerId, c.req.valid("param").deliveryId);
  const endpoint = await loadEndpoint(c.var.tenant.DB, partnerId, row.channel);
  if (!endpoint?.url || (row.event_type !== "webhook.test" && !isActive(endpoint))) {
    throw new ApiError(
      "UnprocessableEntity",
      `The ${row.channel} webhook is not configured, switched off or disabled; enable it first`,
      {
        disabledReason: endpoint?.disabled_reason ?? null,
      },
    );
  }
  const outcome = await redeliver(c.var.tenant, row);
  return c.json({ delivery: await loadDelivery(c.var.tenant.DB, partnerId, row.id), attempt: resultOf(outcome) }, 200);
});
