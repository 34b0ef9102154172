import { z } from "@hono/zod-openapi";
import { DELIVERY_STATUSES, WEBHOOK_CHANNELS } from "../../../shared/webhooks";
import { invalidField } from "../../http/errors";
import { configOf } from "../../config";
import type { Env } from "../../env";
import { mask, parseCidr, parseIp } from "../../identify/ip";

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

/**
 * Webhook URLs must be https to a public host. Loopback, private, link-local and other
 * non-public addresses, and names reserved for local networks (`localhost`, `*.local`, …), are
 * refused, as is http, unless `ALLOW_INSECURE_WEBHOOKS` is "on" (local development only).
 * A name that resolves to a private address cannot be told apart here; Workers cannot reach
 * private networks anyway, and redirects are never followed.
 */
export function checkWebhookUrl(env: Env, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badUrl("must be an absolute URL");
  }
  if (url.username || url.password) throw badUrl("must not contain credentials");
  if (url.protocol !== "https:" && url.protocol !== "http:") throw badUrl("must be an https URL");
  if (configOf(env).allowInsecureWebhooks) return url.toString();
  if (url.protocol !== "https:") throw badUrl("must be an https URL");
  if (!isPublicHost(url.hostname)) throw badUrl("must point to a public host, not a local or private address");
  return url.toString();
}

const badUrl = (message: string) => invalidField("url", message);

/** Names that only ever mean this machine or a local network. */
const LOCAL_NAMES = /(^|\.)(localhost|local|internal|intranet|lan|home\.arpa)$/;

/** Address blocks that are not the public internet (RFC 6890 and friends); IPv4-mapped IPv6 falls in the IPv4 ones. */
const NON_PUBLIC = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "224.0.0.0/3",
  "::/127",
  "64:ff9b:1::/48",
  "fc00::/7",
  "fe80::/10",
  "ff00::/8",
].map((cidr) => parseCidr(cidr)!);

export function isPublicHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  const ip = parseIp(host);
  if (ip !== null) return !NON_PUBLIC.some((block) => (ip & mask(block.prefix)) === block.network);
  return host.includes(".") && !LOCAL_NAMES.test(host);
}
