import { createRoute, z } from "@hono/zod-openapi";
import { ApiError } from "../../lib/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { randomHex } from "../../lib/ids";
import { isoSeconds } from "../../lib/time";
import { attemptDelivery } from "../../webhooks/deliver";
import { loadEndpoint } from "../../webhooks/endpoints";
import { deliveryId, payloadOf } from "../../webhooks/events";
import type { EventFields } from "../../webhooks/payloads";
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
  const event = { id: `evt_test_${randomHex(12)}`, type: "webhook.test", createdAt: isoSeconds(), partnerId };
  const data: EventFields<"webhook.test"> = { webhook: channel, message: "Test event from Sightline" };
  const id = await deliveryId(event.id, channel);
  await c.var.tenant.DB.prepare(
    `INSERT INTO webhook_deliveries (id, partner_id, channel, event_id, event_type, organization_id, data, payload, status,
       next_attempt_at, created_at)
     VALUES (?, ?, ?, ?, 'webhook.test', NULL, ?, ?, 'pending', ?, ?)`,
  )
    .bind(
      id,
      partnerId,
      channel,
      event.id,
      JSON.stringify({ createdAt: event.createdAt, ...data }),
      payloadOf(event, data),
      event.createdAt,
      event.createdAt,
    )
    .run();
  const outcome = await attemptDelivery(c.var.tenant, id, { singleAttempt: true, anyEndpointState: true });
  const delivery = await loadDelivery(c.var.tenant.DB, partnerId, id);
  return c.json({ delivery, attempt: resultOf(outcome) }, 200);
});
