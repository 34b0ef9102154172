import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../../lib/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { loadEndpoint } from "../../webhooks/endpoints";
import { sendTestEvent } from "../../webhooks/on-demand";
import { requireScope } from "../auth";
import { loadDelivery, resultOf } from "./queries";
import { AttemptSchema, DeliverySchema, ChannelSchema } from "./schemas";

const route = createRoute({
  method: "post",
  path: "/webhooks/test",
  summary: "Send a signed test event now and return the result (admin scope)",
  description:
    "Sends one `webhook.test` event to the configured URL, even when the webhook is switched off or was disabled, and waits for the answer. Test events are not retried; they appear in the delivery log.",
  middleware: [requireScope("admin")] as const,
  request: { body: jsonBody(z.object({ type: ChannelSchema }).strict()) },
  responses: {
    200: jsonResponse(
      "The delivery and its attempt",
      z.object({ delivery: DeliverySchema, attempt: z.union([AttemptSchema, z.null()]) }),
    ),
    ...commonErrors,
    ...errorResponses(422),
  },
});

export const testWebhook = createApi().openapi(route, async (c) => {
  const { type: channel } = c.req.valid("json");
  const partnerId = c.get("partnerId");
  const endpoint = await loadEndpoint(c.var.tenant.DB, partnerId, channel);
  if (!endpoint?.url) throw new ApiError("UnprocessableEntity", `No ${channel} webhook URL is configured`);
  const { deliveryId, outcome } = await sendTestEvent(c.var.tenant, partnerId, channel);
  const delivery = await loadDelivery(c.var.tenant.DB, partnerId, deliveryId);
  return c.json({ delivery, attempt: resultOf(outcome) }, 200);
});
