import { z } from "@hono/zod-openapi";
import { EMAIL_KEYS, type EmailKey } from "../../../shared/email";

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
