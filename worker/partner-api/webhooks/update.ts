import { createRoute, z } from "@hono/zod-openapi";
import { ApiError, invalidField } from "../../lib/errors";
import { commonErrors, createApi, errorResponses, jsonBody, jsonResponse } from "../../http/routes";
import { isoSeconds } from "../../lib/time";
import { DEFAULT_LOW_CREDIT_PERCENT, type WebhookChannel } from "../../../shared/webhooks";
import { endpointView, loadEndpoint } from "../../webhooks/endpoints";
import { inOverlap } from "../../webhooks/endpoints";
import { openSecret, sealSecret } from "../../webhooks/sealed-secrets";
import { SECRET_RULE, generateSecret, signingKeyOf } from "../../lib/webhook-secrets";
import { requireScope } from "../auth";
import { BillingEndpointSchema, IdentificationEndpointSchema, checkWebhookUrl } from "./schemas";

/** After a rotation the previous secret still signs (a second `v1,` entry) for this long. */
export const ROTATION_OVERLAP_MS = 24 * 3600_000;

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
    const partnerId = c.get("partnerId");
    const db = c.var.tenant.DB;
    const url = body.url === undefined || body.url === null ? body.url : await checkWebhookUrl(c.env, body.url);
    if (body.secret !== undefined && body.rotateSecret) {
      throw invalidField("secret", "send either secret or rotateSecret");
    }
    const existing = await loadEndpoint(db, partnerId, channel);
    const now = Date.now();
    const at = isoSeconds(now);
    let shownSecret: string | undefined;

    const owner = { partner_id: partnerId, channel };

    if (!existing) {
      if (!url) throw invalidField("url", "required on first setup");
      const secret = body.secret ?? generateSecret();
      const { meta } = await db
        .prepare(
          `INSERT INTO webhook_endpoints (partner_id, channel, url, secret, enabled, low_credit_threshold_percent,
             company_visited, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (partner_id, channel) DO NOTHING`,
        )
        .bind(
          partnerId,
          channel,
          url,
          await sealSecret(c.var.tenant, owner, secret),
          body.enabled === false ? 0 : 1,
          body.lowCreditThresholdPercent ?? DEFAULT_LOW_CREDIT_PERCENT,
          body.companyVisited ? 1 : 0,
          at,
          at,
        )
        .run();
      if (meta.changes === 0)
        throw new ApiError(
          "Conflict",
          `The ${channel} webhook was set up by a concurrent request; send the change again`,
        );
      if (body.secret === undefined) shownSecret = secret;
    } else {
      const sets: string[] = ["updated_at = ?"];
      const params: unknown[] = [at];
      if (url !== undefined) (sets.push("url = ?"), params.push(url));
      const newSecret = body.rotateSecret ? generateSecret() : body.secret;
      if (newSecret !== undefined && newSecret !== (await openSecret(c.var.tenant, existing, existing.secret))) {
        if (body.rotateSecret) shownSecret = newSecret;
        sets.push("secret = ?");
        params.push(await sealSecret(c.var.tenant, owner, newSecret));
        // Within an overlap, the secret receivers had before it began keeps signing until it ends.
        if (!inOverlap(existing, now)) {
          sets.push("previous_secret = ?", "previous_secret_expires_at = ?");
          params.push(existing.secret, isoSeconds(now + ROTATION_OVERLAP_MS));
        }
      }
      if (body.enabled !== undefined) (sets.push("enabled = ?"), params.push(body.enabled ? 1 : 0));
      if (body.enabled === true) {
        // Switching on again is the partner's word that the endpoint is fixed.
        sets.push("disabled_reason = NULL", "disabled_at = NULL", "consecutive_failures = 0", "failing_since = NULL");
      }
      if (body.companyVisited !== undefined)
        (sets.push("company_visited = ?"), params.push(body.companyVisited ? 1 : 0));
      if (body.lowCreditThresholdPercent !== undefined)
        (sets.push("low_credit_threshold_percent = ?"), params.push(body.lowCreditThresholdPercent));
      await db
        .prepare(`UPDATE webhook_endpoints SET ${sets.join(", ")} WHERE partner_id = ? AND channel = ?`)
        .bind(...params, partnerId, channel)
        .run();
    }
    const row = await loadEndpoint(db, partnerId, channel);
    const view = endpointView(row);
    const webhook =
      channel === "billing"
        ? { ...view, lowCreditThresholdPercent: row!.low_credit_threshold_percent }
        : { ...view, companyVisited: row!.company_visited === 1 };
    return c.json({ webhook, ...(shownSecret ? { secret: shownSecret } : {}) }, 200);
  });

export const updateIdentificationWebhook = handler("identification");
export const updateBillingWebhook = handler("billing");
