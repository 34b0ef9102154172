import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { ALERT_CHANNEL_TYPES, ALERT_TRIGGERS } from "../../shared/alerts";
import { EVENT_TYPES, WEBHOOK_CHANNELS, type EventType } from "../../shared/webhooks";
import { IdentityTypeSchema, Timestamp } from "../http/schemas";
import { CompanySchema, PersonSchema } from "../visitors/schemas";

/**
 * The body of every webhook event, one schema per event type (docs/webhooks.md#events):
 * `id`, `type`, `createdAt` and `partnerId`, then the event's own fields. The emitters are
 * typed by these schemas, and the OpenAPI document lists them under `webhooks`.
 */

const organizationFields = {
  organizationId: z.string(),
  externalId: z.string().nullable().openapi({ description: "The partner's own id of the organization" }),
};

const balanceFields = {
  ...organizationFields,
  periodStart: Timestamp,
  creditsUsed: z.number().int(),
  creditsAvailable: z.number().int(),
  creditsAllocated: z.number().int(),
};

/** A visitor, who it is and one of its visits: built from what the hits consumer stored (visitor-payload.ts). */
const visitFields = (session: string) => ({
  ...organizationFields,
  visitor: z.object({ id: z.string(), type: IdentityTypeSchema, firstSeenAt: Timestamp, lastSeenAt: Timestamp }),
  company: CompanySchema.nullable(),
  person: PersonSchema.nullable(),
  session: z
    .object({
      id: z.string(),
      landingPage: z.string().nullable(),
      pagesVisited: z.number().int().nullable(),
      referrer: z.string().nullable(),
      utmSource: z.string().nullable(),
      utmMedium: z.string().nullable(),
      utmCampaign: z.string().nullable(),
      utmTerm: z.string().nullable(),
      utmContent: z.string().nullable(),
      deviceType: z.string().nullable(),
    })
    .nullable()
    .openapi({ description: session }),
});

export const VisitorIdentifiedFields = z.object(visitFields("The session of the identifying hit"));

export const CompanyVisitedFields = z.object(visitFields("The visit: its landing page, source and pages so far"));

export const AlertTriggeredFields = z.object({
  ...visitFields("The visit that fired the alert"),
  alert: z.object({ id: z.string(), name: z.string(), trigger: z.enum(ALERT_TRIGGERS) }),
  channels: z
    .array(z.object({ id: z.string(), type: z.enum(ALERT_CHANNEL_TYPES) }))
    .openapi({ description: "The channels the alert is sent to (each delivery is in the alert's delivery log)" }),
});

export const UsageRecordedFields = z.object({
  ...organizationFields,
  credits: z.literal(1),
  identityType: IdentityTypeSchema,
  periodStart: Timestamp,
  creditsUsed: z.number().int(),
  creditsAvailable: z.number().int().nullable().openapi({ description: "Null when the organization is uncapped" }),
  creditsAllocated: z.number().int().nullable(),
});

export const CreditsLowFields = z.object({
  ...balanceFields,
  thresholdPercent: z.number().int().openapi({ description: "The billing webhook's `lowCreditThresholdPercent`" }),
});

export const CreditsExhaustedFields = z.object(balanceFields);

export const PeriodClosedFields = z.object({
  ...organizationFields,
  periodStart: Timestamp,
  periodEnd: Timestamp,
  allocation: z.number().int(),
  consumed: z.number().int().openapi({ description: "Credits charged in the period" }),
  adjusted: z.number().int().openapi({ description: "Refunds and adjustments booked in the period" }),
  expired: z.number().int().openapi({ description: "Credits that lapsed unused" }),
});

export const DomainActivatedFields = z.object({
  domain: z.string().openapi({ example: "track.agency.example" }),
  scriptBaseUrl: z
    .string()
    .openapi({ description: "What every script tag now loads from", example: "https://track.agency.example" }),
  dashboardUrl: z.string().openapi({
    description: "Where dashboards and the console are now served",
    example: "https://track.agency.example/",
  }),
});

export const DomainFailedFields = z.object({
  domain: z.string(),
  status: z
    .string()
    .nullable()
    .openapi({ description: "Cloudflare's status of the custom hostname (e.g. `moved`, `deleted`)" }),
  sslStatus: z
    .string()
    .nullable()
    .openapi({ description: "Cloudflare's status of its certificate (e.g. `validation_timed_out`)" }),
  errors: z.array(z.string()).openapi({ description: "Why, as Cloudflare reported it" }),
});

export const B2cAnomalyFields = z.object({
  ...organizationFields,
  ceiling: z.number().int().openapi({ description: "New people an organization may have charged within an hour" }),
  peopleCharged: z.number().int().openapi({ description: "People charged within the hour before `createdAt`" }),
  refused: z.number().int().openapi({
    description: "Identify calls of new people refused (counted `suspicious`) in the batch that reached it",
  }),
  windowStart: Timestamp.openapi({ description: "Start of the hour counted: charging resumes as it moves on" }),
});

export const WebhookTestFields = z.object({
  webhook: z.enum(WEBHOOK_CHANNELS),
  message: z.string(),
});

/** Each event type's own fields. */
export const EVENT_FIELDS = {
  "visitor.identified": VisitorIdentifiedFields,
  "usage.recorded": UsageRecordedFields,
  "credits.low": CreditsLowFields,
  "credits.exhausted": CreditsExhaustedFields,
  "period.closed": PeriodClosedFields,
  "company.visited": CompanyVisitedFields,
  "alert.triggered": AlertTriggeredFields,
  "domain.activated": DomainActivatedFields,
  "domain.failed": DomainFailedFields,
  "b2c.anomaly": B2cAnomalyFields,
  "webhook.test": WebhookTestFields,
} satisfies Record<EventType, z.ZodObject>;

export type EventFields<T extends EventType> = z.infer<(typeof EVENT_FIELDS)[T]>;

const DESCRIPTIONS: Record<EventType, string> = {
  "visitor.identified": "An identification was charged: a company or person seen for the first time this period.",
  "usage.recorded": "One credit was spent (one per charged identification).",
  "credits.low": "What is left fell to the threshold; once per organization and period.",
  "credits.exhausted": "The last credit was used; once per organization and period.",
  "period.closed": "A billing period closed; unused credits lapsed.",
  "company.visited":
    "An identified visitor started a visit (once per visit, charged or not). Sent only where the identification webhook opted in (`companyVisited`).",
  "alert.triggered": "An alert rule fired for an identified visitor; once per firing, whatever its channels answered.",
  "domain.activated":
    "The partner's custom domain went live: verified by DNS and its TLS certificate active. Script tags and dashboard links use it from now on.",
  "domain.failed":
    "The custom domain's hostname or certificate could not be validated (Cloudflare stopped trying, or the domain no longer points here). Fix DNS, then check again.",
  "b2c.anomaly":
    "A B2C organization had as many new people charged within an hour as it may (1,000): charging new people pauses until the hour's count falls below it; at most once per organization and hour.",
  "webhook.test": "Sent by `POST /webhooks/test`.",
};

const componentName = (type: EventType) =>
  `${type
    .split(/[._]/)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join("")}Event`;

/** The whole body of an event of `type`, as a named schema. */
export const payloadSchema = (type: EventType) =>
  z
    .object({
      id: z.string().openapi({ description: "Also the `webhook-id` header", example: "evt_0123456789abcdef" }),
      type: z.literal(type),
      createdAt: Timestamp.openapi({ description: "When the cause happened" }),
      partnerId: z.string(),
      ...EVENT_FIELDS[type].shape,
    })
    .openapi(componentName(type), { description: DESCRIPTIONS[type] });

/** Lists every webhook event's body under the document's `webhooks`, as a POST to the partner's URL. */
export function documentWebhookEvents(api: Pick<OpenAPIHono, "openAPIRegistry">): void {
  for (const type of EVENT_TYPES) {
    api.openAPIRegistry.registerWebhook({
      method: "post",
      path: type,
      operationId: `webhook.${type}`,
      summary: `The \`${type}\` event`,
      tags: ["Webhooks"],
      // Not called with an API key: each request is signed (docs/webhooks.md#signatures).
      security: [],
      request: { body: { required: true, content: { "application/json": { schema: payloadSchema(type) } } } },
      responses: { 200: { description: "Any 2xx within 30 s acknowledges the event; anything else is retried" } },
    });
  }
}
