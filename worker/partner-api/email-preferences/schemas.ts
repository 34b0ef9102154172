import { z } from "@hono/zod-openapi";

/** The emails a partner can switch off (docs/partner-api.md#email-preferences: snake_case keys, as in the public docs). */
export const EMAIL_KEYS = [
  "credits_exhausted",
  "credits_low",
  "first_visitor_identified",
  "subscription_activated",
  "subscription_canceled",
  "payment_failed",
  "renewal_receipt",
] as const;

export type EmailKey = (typeof EMAIL_KEYS)[number];
export type EmailPreferences = Record<EmailKey, boolean>;

export const EmailPreferencesSchema = z
  .object(Object.fromEntries(EMAIL_KEYS.map((key) => [key, z.boolean()])) as Record<EmailKey, z.ZodBoolean>)
  .openapi("EmailPreferences");

/** A partial update: only the keys sent change. */
export const EmailPreferencesUpdate = z
  .object(
    Object.fromEntries(EMAIL_KEYS.map((key) => [key, z.boolean().optional()])) as Record<
      EmailKey,
      z.ZodOptional<z.ZodBoolean>
    >,
  )
  .strict()
  .openapi("EmailPreferencesUpdate");

/** Per organization: `true`/`false` overrides the partner's choice, `null` removes the override. */
export const OrganizationEmailPreferencesUpdate = z
  .object(
    Object.fromEntries(EMAIL_KEYS.map((key) => [key, z.boolean().nullable().optional()])) as Record<
      EmailKey,
      z.ZodOptional<z.ZodNullable<z.ZodBoolean>>
    >,
  )
  .strict()
  .openapi("OrganizationEmailPreferencesUpdate");
