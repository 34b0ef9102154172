import { z } from "@hono/zod-openapi";

/** The emails a partner can switch off (contract keys, snake_case as in the public docs). */
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

/** Every email is on until the partner turns it off: they are transactional, and silence is the surprising default. */
export const DEFAULT_EMAIL_PREFERENCES: EmailPreferences = Object.fromEntries(
  EMAIL_KEYS.map((key) => [key, true]),
) as EmailPreferences;

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

/** Stored JSON → only the known boolean keys (ignores anything else that may be in the column). */
export function parseStored(json: string | null | undefined): Partial<EmailPreferences> {
  const raw = json ? (JSON.parse(json) as Record<string, unknown>) : {};
  return Object.fromEntries(EMAIL_KEYS.filter((key) => typeof raw[key] === "boolean").map((key) => [key, raw[key]]));
}

/**
 * Whether an email goes out, for the partner or for one of its organizations: the organization's
 * override, else the partner's choice, else the default. For whoever sends the emails.
 */
export async function effectiveEmailPreferences(db: D1Database, partnerId: string, organizationId?: string) {
  const row = await db
    .prepare(
      `SELECT p.email_preferences AS partner, (SELECT overrides FROM organization_email_preferences WHERE organization_id = ?) AS organization
       FROM partners p WHERE p.id = ?`,
    )
    .bind(organizationId ?? null, partnerId)
    .first<{ partner: string; organization: string | null }>();
  const overrides = parseStored(row?.organization);
  return {
    preferences: { ...DEFAULT_EMAIL_PREFERENCES, ...parseStored(row?.partner), ...overrides } as EmailPreferences,
    overriddenKeys: EMAIL_KEYS.filter((key) => key in overrides),
  };
}
