import { z } from "@hono/zod-openapi";
import { DIGEST_FREQUENCIES, DIGEST_STATUSES } from "../../shared/digests";
import { Timestamp } from "../http/schemas";

/** Recipients an organization's digests may have (an address counts once per frequency). */
export const MAX_DIGEST_RECIPIENTS = 25;
/** The schedule of an organization that never set one: 07:00 UTC, weekly ones on Mondays. */
export const DEFAULT_SCHEDULE = { hourUtc: 7, weekday: 1 } as const;

const Frequency = z.enum(DIGEST_FREQUENCIES).openapi({
  description: "`daily`: every day at `hourUtc`; `weekly`: every `weekday` at `hourUtc`",
});
const Email = z.email().max(254);
const SegmentId = z
  .string()
  .min(1)
  .max(64)
  .nullable()
  .openapi({ description: "Only visitors in this saved segment of the organization; null: every identified visitor" });
const HourUtc = z.number().int().min(0).max(23).openapi({ description: "The hour digests go out, UTC", example: 7 });
const Weekday = z
  .number()
  .int()
  .min(1)
  .max(7)
  .openapi({ description: "The day weekly digests go out: ISO 8601, 1 = Monday … 7 = Sunday", example: 1 });

// Not a named component: request bodies are inlined whole (http/routes.ts jsonBody), so a name here would be unused.
export const DigestRecipientInput = z
  .object({ email: Email, frequency: Frequency, segmentId: SegmentId.optional() })
  .strict();

export const DigestSettingsUpdate = z
  .object({
    recipients: z.array(DigestRecipientInput).max(MAX_DIGEST_RECIPIENTS).optional().openapi({
      description: "Replaces the recipients; an address may be listed once per frequency",
    }),
    hourUtc: HourUtc.optional(),
    weekday: Weekday.optional(),
  })
  .strict()
  .openapi("DigestSettingsUpdate");
export type DigestSettingsInput = z.infer<typeof DigestSettingsUpdate>;

export const DigestRunSchema = z
  .object({
    periodStart: Timestamp,
    periodEnd: Timestamp.openapi({ description: "When it was due" }),
    status: z.enum(DIGEST_STATUSES).openapi({
      description:
        "`pending`, `sending`, then `sent`; `skipped` (nothing happened in the period, unsubscribed, no longer a recipient), `failed` (see `reason`)",
    }),
    reason: z.string().nullable(),
    attempts: z.number().int(),
    sentAt: Timestamp.nullable(),
  })
  .openapi("DigestRun");

export const DigestRecipientSchema = z
  .object({
    email: z.string(),
    frequency: Frequency,
    segmentId: z.string().nullable(),
    unsubscribed: z.boolean().openapi({
      description:
        "The recipient unsubscribed with a digest's one-click link: no digest goes to them until they subscribe again on that link's page",
    }),
    lastDigest: DigestRunSchema.nullable().openapi({ description: "Their latest digest of this frequency" }),
  })
  .openapi("DigestRecipient");

export const DigestSettingsSchema = z
  .object({
    organizationId: z.string(),
    recipients: z.array(DigestRecipientSchema),
    hourUtc: HourUtc,
    weekday: Weekday,
    nextDaily: Timestamp.nullable().openapi({
      description: "When the next daily digest is due; null without daily recipients",
    }),
    nextWeekly: Timestamp.nullable().openapi({
      description: "When the next weekly digest is due; null without weekly recipients",
    }),
    updatedAt: Timestamp.nullable().openapi({ description: "null: never set" }),
  })
  .openapi("DigestSettings");
export type DigestSettings = z.infer<typeof DigestSettingsSchema>;

export const DigestPreviewRequest = z
  .object({
    email: Email.optional().openapi({
      description: "A recipient: their frequency and segment, and the period since their last digest",
    }),
    frequency: Frequency.optional().openapi({ description: "Default: the recipient's, else `daily`" }),
    segmentId: SegmentId.optional().openapi({ description: "Default: the recipient's, else none" }),
  })
  .strict()
  .openapi("DigestPreviewRequest");
export type DigestPreviewInput = z.infer<typeof DigestPreviewRequest>;

export const DigestPreviewSchema = z
  .object({
    subject: z.string(),
    html: z.string(),
    text: z.string(),
    periodStart: Timestamp,
    periodEnd: Timestamp,
    empty: z.boolean().openapi({ description: "Nothing new or returning in the period: such a digest is not sent" }),
  })
  .openapi("DigestPreview");

export const DigestTestRequest = z
  .object({
    to: Email,
    frequency: Frequency.default("daily"),
    segmentId: SegmentId.optional(),
  })
  .strict()
  .openapi("DigestTestRequest");
export type DigestTestInput = z.infer<typeof DigestTestRequest>;
