import { z } from "@hono/zod-openapi";
import { ALERT_CHANNEL_TYPES, ALERT_DELIVERY_STATUSES, ALERT_TRIGGERS } from "../../shared/alerts";
import { Timestamp } from "../http/schemas";
import { PagePatternSchema } from "../segments/filter";

/** Alert rules an organization may have, and channels a rule may send to. */
export const MAX_ALERTS_PER_ORGANIZATION = 25;
export const MAX_CHANNELS_PER_ALERT = 5;
/** Addresses an e-mail channel mails: a team, not a mailing list. */
export const MAX_EMAIL_RECIPIENTS = 10;
/** Days a `returned` rule waits for when the body does not say. */
export const DEFAULT_RETURN_AFTER_DAYS = 7;

const ChannelId = z.string().min(1).max(64).openapi({
  description: "Keeps this existing channel of the alert (its URL and state) instead of a new URL",
  example: "chn_0123456789abcdef0123456789abcdef",
});
const WebhookUrl = z
  .string()
  .max(2048)
  .openapi({ description: "The channel's webhook URL: a secret, stored encrypted and never shown again" });

export const AlertChannelInput = z
  .discriminatedUnion("type", [
    z
      .object({
        type: z.literal("slack"),
        id: ChannelId.optional(),
        webhookUrl: WebhookUrl.optional().openapi({ example: "https://hooks.slack.com/services/T000/B000/XXXX" }),
      })
      .strict(),
    z.object({ type: z.literal("teams"), id: ChannelId.optional(), webhookUrl: WebhookUrl.optional() }).strict(),
    z
      .object({
        type: z.literal("email"),
        id: ChannelId.optional(),
        recipients: z
          .array(z.email().max(254))
          .min(1)
          .max(MAX_EMAIL_RECIPIENTS)
          .optional()
          .openapi({
            description:
              "Who gets each alert by e-mail, one message each (for a new channel; for a kept one, replaces its addresses)",
            example: ["sales@client.example"],
          }),
      })
      .strict(),
  ])
  .openapi({
    description:
      "A Slack incoming webhook or a Teams Workflows webhook (`webhookUrl`), or e-mail (`recipients`), for a new channel; or the `id` of one the alert has.",
  });
export type AlertChannelInput = z.infer<typeof AlertChannelInput>;

const fields = {
  name: z.string().trim().min(1).max(200).openapi({ example: "ICP company on pricing" }),
  trigger: z.enum(ALERT_TRIGGERS).openapi({
    description:
      "`identified`: first identification in the billing period; `returned`: a new visit after `returnAfterDays` without one; `page_viewed`: a page matching `pages`",
  }),
  segmentId: z
    .string()
    .min(1)
    .max(64)
    .nullable()
    .openapi({ description: "Only visitors in this saved segment of the organization; null: everyone" }),
  pages: z
    .array(PagePatternSchema)
    .min(1)
    .max(20)
    .openapi({
      description: "`page_viewed` only (required there): exact paths or prefixes ending in `*`",
      example: ["/pricing*"],
    }),
  returnAfterDays: z
    .number()
    .int()
    .min(1)
    .max(365)
    .openapi({
      description: `\`returned\` only: days without a visit before one counts (default ${DEFAULT_RETURN_AFTER_DAYS})`,
    }),
  cooldownHours: z.number().int().min(1).max(720).openapi({
    description: "At most one alert per visitor (company or person) and rule in this many hours",
    example: 24,
  }),
  channels: z.array(AlertChannelInput).min(1).max(MAX_CHANNELS_PER_ALERT),
  enabled: z.boolean(),
};

export const CreateAlertBody = z
  .object({
    name: fields.name,
    trigger: fields.trigger,
    segmentId: fields.segmentId.optional(),
    pages: fields.pages.optional(),
    returnAfterDays: fields.returnAfterDays.optional(),
    cooldownHours: fields.cooldownHours.default(24),
    channels: fields.channels,
    enabled: fields.enabled.default(true),
  })
  .strict()
  .openapi("CreateAlert");
export type CreateAlert = z.infer<typeof CreateAlertBody>;

export const UpdateAlertBody = z
  .object({
    name: fields.name.optional(),
    trigger: fields.trigger.optional(),
    segmentId: fields.segmentId.optional(),
    pages: fields.pages.nullable().optional(),
    returnAfterDays: fields.returnAfterDays.nullable().optional(),
    cooldownHours: fields.cooldownHours.optional(),
    channels: fields.channels.optional().openapi({ description: "Replaces the channels; keep one by its `id`" }),
    enabled: fields.enabled.optional().openapi({ description: "`true` also re-enables channels Sightline disabled" }),
  })
  .strict()
  .openapi("UpdateAlert");
export type UpdateAlert = z.infer<typeof UpdateAlertBody>;

export const AlertChannelSchema = z
  .object({
    id: z.string(),
    type: z.enum(ALERT_CHANNEL_TYPES),
    hint: z.string().nullable().openapi({
      description: "Slack and Teams: the webhook URL's host and last 4 characters; e-mail: how many recipients",
      example: "hooks.slack.com …Xy9Z",
    }),
    recipients: z
      .array(z.string())
      .nullable()
      .openapi({ description: "E-mail channels: the addresses it mails; null for Slack and Teams" }),
    disabledReason: z.string().nullable().openapi({
      description:
        "Set when the channel answered 404 or 410 (the webhook is gone); `PUT … { enabled: true }` or a new URL clears it",
    }),
    disabledAt: Timestamp.nullable(),
  })
  .openapi("AlertChannel");

export const AlertSchema = z
  .object({
    id: z.string(),
    organizationId: z.string(),
    name: z.string(),
    trigger: z.enum(ALERT_TRIGGERS),
    segmentId: z.string().nullable(),
    pages: z.array(z.string()).nullable(),
    returnAfterDays: z.number().int().nullable(),
    cooldownHours: z.number().int(),
    channels: z.array(AlertChannelSchema),
    enabled: z.boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi("Alert");
export type Alert = z.infer<typeof AlertSchema>;

export const AlertDeliverySchema = z
  .object({
    id: z.string(),
    channel: z.object({ id: z.string(), type: z.enum(ALERT_CHANNEL_TYPES) }),
    trigger: z.enum(ALERT_TRIGGERS),
    test: z.boolean().openapi({ description: "Sent by `POST …/alerts/{alertId}/test`" }),
    visitorId: z.string().nullable().openapi({ description: "The visitor the alert is about; null for a test" }),
    recipient: z
      .string()
      .nullable()
      .openapi({ description: "E-mail channels: the address of this message (one per recipient); else null" }),
    status: z.enum(ALERT_DELIVERY_STATUSES),
    attempts: z.number().int(),
    statusCode: z.number().int().nullable().openapi({
      description: "The channel's last HTTP status (Slack, Teams); null for e-mail, whose `error` quotes the server",
    }),
    error: z.string().nullable(),
    createdAt: Timestamp,
    sentAt: Timestamp.nullable(),
  })
  .openapi("AlertDelivery");
export type AlertDelivery = z.infer<typeof AlertDeliverySchema>;
