import { EMAIL_KEYS, type EmailKey } from "../../shared/email";
import { isoSeconds } from "../lib/time";
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

/** Merges the keys given into the partner's choice; json_patch merges in SQL, so concurrent updates of different keys both stick. */
export async function patchPartnerPreferences(
  catalog: D1Database,
  partnerId: string,
  patch: Partial<EmailPreferences>,
): Promise<void> {
  await catalog
    .prepare("UPDATE partners SET email_preferences = json_patch(email_preferences, ?), updated_at = ? WHERE id = ?")
    .bind(JSON.stringify(patch), isoSeconds(), partnerId)
    .run();
}

/** Merges the organization's overrides (JSON merge patch: `null` removes a key's override). */
export async function patchOrganizationPreferences(
  db: D1Database,
  organizationId: string,
  patch: Partial<Record<EmailKey, boolean | null>>,
): Promise<void> {
  await db
    .prepare(
      `INSERT INTO organization_email_preferences (organization_id, overrides, updated_at) VALUES (?1, json_patch('{}', ?2), ?3)
       ON CONFLICT (organization_id) DO UPDATE SET overrides = json_patch(overrides, ?2), updated_at = ?3`,
    )
    .bind(organizationId, JSON.stringify(patch), isoSeconds())
    .run();
}

/** The organization follows the partner's choice again. */
export async function resetOrganizationPreferences(db: D1Database, organizationId: string): Promise<void> {
  await db.prepare("DELETE FROM organization_email_preferences WHERE organization_id = ?").bind(organizationId).run();
}
