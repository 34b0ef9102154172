import { z } from "@hono/zod-openapi";
import { DELIVERY_STATUSES, WEBHOOK_CHANNELS } from "../../../shared/webhooks";
import { invalidField } from "../../lib/errors";
import { configOf } from "../../config";
import type { Env } from "../../env";
import { savedTargetProblem, urlTargetProblem } from "../../outbound/targets";

export const ChannelSchema = z.enum(WEBHOOK_CHANNELS).openapi({ description: "Which webhook" });

export const DeliveryStatusSchema = z.enum(DELIVERY_STATUSES);

export const EndpointSchema = z
  .object({
    url: z.string().nullable(),
    enabled: z
      .boolean()
      .openapi({ description: "True when deliveries are being made (URL set, switched on, not disabled)" }),
    hasSecret: z.boolean(),
    disabledReason: z.string().nullable().openapi({
      description:
        "Set when Sightline disabled the endpoint after repeated failures; `PUT … { enabled: true }` clears it",
    }),
    disabledAt: z.string().nullable(),
    previousSecretExpiresAt: z
      .string()
      .nullable()
      .openapi({ description: "After a rotation, until when the previous secret's signature is still sent" }),
  })
  .openapi("WebhookEndpoint");

export const IdentificationEndpointSchema = EndpointSchema.extend({
  companyVisited: z.boolean().openapi({
    description:
      "Also sends `company.visited`, one event per visit of an identified visitor (off by default: frequent)",
  }),
}).openapi("IdentificationWebhookEndpoint");

export const BillingEndpointSchema = EndpointSchema.extend({
  lowCreditThresholdPercent: z
    .number()
    .int()
    .openapi({ description: "`credits.low` is sent when what is left falls to this share of the allocation" }),
}).openapi("BillingWebhookEndpoint");

export const DeliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string().openapi({ description: "Also the `webhook-id` header, the same on every attempt" }),
    eventType: z.string(),
    type: ChannelSchema,
    organizationId: z.string().nullable(),
    status: DeliveryStatusSchema,
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
  })
  .openapi("WebhookDelivery");

export const AttemptSchema = z
  .object({
    attempt: z.number().int(),
    url: z.string(),
    startedAt: z.string(),
    statusCode: z.number().int().nullable(),
    error: z.string().nullable(),
    latencyMs: z.number().int(),
    succeeded: z.boolean(),
  })
  .openapi("WebhookAttempt");

/**
 * Webhook URLs must be https to a public host. Loopback, private, link-local and other
 * non-public addresses, names reserved for local networks (`localhost`, `*.local`, …) and names
 * that resolve to such addresses (through `DOH_URL`) are refused, as is http, unless
 * `ALLOW_INSECURE_WEBHOOKS` is "on" (local development only). Each send checks the name again.
 */
export async function checkWebhookUrl(env: Env, raw: string): Promise<string> {
  const allowPrivate = configOf(env).allowInsecureWebhooks;
  const problem = urlTargetProblem(raw, allowPrivate);
  if (problem) throw invalidField("url", problem);
  const url = new URL(raw);
  const resolved = await savedTargetProblem(configOf(env).dohUrl, url.hostname, allowPrivate, "the URL's host");
  if (resolved) throw invalidField("url", `must point to a public host: ${resolved}`);
  return url.toString();
}
