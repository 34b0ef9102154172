import { EMAIL_KEYS, type EmailKey } from "../../shared/email";
import type { TenantEnv } from "../shards";

export type EmailPreferences = Record<EmailKey, boolean>;

/** Every email is on until the partner turns it off: they are transactional, and silence is the surprising default. */
export const DEFAULT_EMAIL_PREFERENCES: EmailPreferences = Object.fromEntries(
  EMAIL_KEYS.map((key) => [key, true]),
) as EmailPreferences;

/** Stored JSON → only the known boolean keys (ignores anything else that may be in the column). */
export function parseStored(json: string | null | undefined): Partial<EmailPreferences> {
  const raw = json ? (JSON.parse(json) as Record<string, unknown>) : {};
  return Object.fromEntries(EMAIL_KEYS.filter((key) => typeof raw[key] === "boolean").map((key) => [key, raw[key]]));
}

/** The organization's override, else the partner's choice, else the default (both as stored, JSON). */
export function resolvePreferences(partner: string | null | undefined, organization: string | null | undefined) {
  return { ...DEFAULT_EMAIL_PREFERENCES, ...parseStored(partner), ...parseStored(organization) } as EmailPreferences;
}

/**
 * Whether an email goes out, for the partner or for one of its organizations: the organization's
 * override, else the partner's choice, else the default. The notices read it when they are queued
 * and again before each send.
 */
export async function effectiveEmailPreferences(tenant: TenantEnv, partnerId: string, organizationId?: string) {
  const [partner, organization] = await Promise.all([
    tenant.CATALOG.prepare("SELECT email_preferences FROM partners WHERE id = ?")
      .bind(partnerId)
      .first<{ email_preferences: string }>(),
    organizationId === undefined
      ? null
      : tenant.DB.prepare("SELECT overrides FROM organization_email_preferences WHERE organization_id = ?")
          .bind(organizationId)
          .first<{ overrides: string }>(),
  ]);
  const overrides = parseStored(organization?.overrides);
  return {
    preferences: resolvePreferences(partner?.email_preferences, organization?.overrides),
    overriddenKeys: EMAIL_KEYS.filter((key) => key in overrides),
  };
}
