import { createRoute, z } from "@hono/zod-openapi";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { DEFAULT_LOW_CREDIT_PERCENT, type WebhookChannel } from "../../../shared/webhooks";
import { configureEndpoint } from "../../webhooks/configure";
import { endpointView } from "../../webhooks/endpoints";
import { SECRET_RULE, signingKeyOf } from "../../lib/webhook-secrets";
import { requireScope } from "../auth";
import { BillingEndpointSchema, IdentificationEndpointSchema, checkWebhookUrl } from "./schemas";

const common = {
  url: z
    .string()
    .max(2048)
    .nullable()
    .optional()
    .openapi({ description: "https URL; null removes it", example: "https://hooks.example.com/sightline" }),
  secret: z
    .string()
    .max(200)
    .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, SECRET_RULE)
    .refine((secret) => signingKeyOf(secret) !== null, SECRET_RULE)
    .optional()
    .openapi({ description: "Your own secret; omitted on first setup, one is generated and returned once" }),
  rotateSecret: z.boolean().optional().openapi({
    description:
      "Generate a new secret (returned once); the old one keeps signing for 24 h. Rotating again within those 24 h keeps the original secret (the one before the first rotation) until its 24 h end.",
  }),
  enabled: z.boolean().optional().openapi({ description: "true also re-enables an endpoint Sightline disabled" }),
};

const IdentificationUpdate = z
  .object({
    ...common,
    companyVisited: z.boolean().optional().openapi({
      description:
        "Also send `company.visited`: one event per visit of an identified visitor, not only its first this period",
    }),
  })
  .strict()
  .openapi("IdentificationWebhookUpdate");
const BillingUpdate = z
  .object({
    ...common,
    lowCreditThresholdPercent: z
      .number()
      .int()
      .min(1)
      .max(99)
      .optional()
      .openapi({ example: DEFAULT_LOW_CREDIT_PERCENT }),
  })
  .strict()
  .openapi("BillingWebhookUpdate");

const updateRoute = <K extends WebhookChannel>(channel: K) =>
  createRoute({
    method: "put",
    path: `/webhooks/${channel}`,
    summary: `Configure the ${channel} webhook (admin scope)`,
    description:
      "Only the fields sent change. The first setup needs a `url`; without `secret` one is generated. A new secret (sent or `rotateSecret`) replaces the old one, which keeps signing for 24 hours; a second new secret within those 24 hours keeps the original one signing until they end. The generated secret is returned once, as `secret`. `url` must be https to a public host whose name resolves to public addresses only (checked at save, through the server's DNS-over-HTTPS resolver, and again before each send; 503 when the resolver cannot answer). http and local or private hosts only where the server allows insecure webhooks, in development.",
    middleware: [requireScope("admin")] as const,
    request: { body: jsonBody(channel === "billing" ? BillingUpdate : IdentificationUpdate) },
    responses: {
      200: jsonResponse(
        "The webhook",
        z.object({
          webhook: channel === "billing" ? BillingEndpointSchema : IdentificationEndpointSchema,
          secret: z.string().optional().openapi({ description: "Only when Sightline generated it; store it now" }),
        }),
      ),
      ...commonErrors,
      ...errorResponses(409),
    },
  });

type Update = z.infer<typeof BillingUpdate> & z.infer<typeof IdentificationUpdate>;

const handler = (channel: WebhookChannel) =>
  createApi().openapi(updateRoute(channel), async (c) => {
    const body = c.req.valid("json") as Update;
    const url = body.url === undefined || body.url === null ? body.url : await checkWebhookUrl(c.env, body.url);
    const change = { ...body, url };
    const { endpoint, generatedSecret } = await configureEndpoint(c.var.tenant, c.get("partnerId"), channel, change);
    const view = endpointView(endpoint);
    const webhook =
      channel === "billing"
        ? { ...view, lowCreditThresholdPercent: endpoint.low_credit_threshold_percent }
        : { ...view, companyVisited: endpoint.company_visited === 1 };
    return c.json({ webhook, ...(generatedSecret ? { secret: generatedSecret } : {}) }, 200);
  });

export const updateIdentificationWebhook = handler("identification");
export const updateBillingWebhook = handler("billing");
