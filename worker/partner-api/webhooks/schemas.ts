import { z } from "@hono/zod-openapi";
import { DELIVERY_STATUSES, WEBHOOK_CHANNELS } from "../../../shared/webhooks";
import { invalidField } from "../../http/errors";
import { configOf } from "../../config";
import type { Env } from "../../env";

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

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Webhook URLs must be https. http is accepted for localhost (development against a local
 * receiver) and, when `ALLOW_INSECURE_WEBHOOKS` is "on", for hosts ending in `.test`.
 */
export function checkWebhookUrl(env: Env, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badUrl("must be an absolute URL");
  }
  if (url.username || url.password) throw badUrl("must not contain credentials");
  if (url.protocol === "https:") return url.toString();
  const host = url.hostname.toLowerCase();
  const insecureAllowed = LOCAL_HOSTS.has(host) || (configOf(env).allowInsecureWebhooks && host.endsWith(".test"));
  if (url.protocol === "http:" && insecureAllowed) return url.toString();
  throw badUrl("must be an https URL (http only for localhost)");
}

const badUrl = (message: string) => invalidField("url", message);
