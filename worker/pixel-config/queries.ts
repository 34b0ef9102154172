import type { ConsentMode } from "../../shared/hit";
import { randomHex } from "../lib/ids";
import { isoSeconds } from "../lib/time";

/** What a partner may change of a pixel; the fields left out keep their value. */
export interface PixelSettings {
  /** Normalized hosts and `*.host` patterns, without duplicates. */
  allowedReferrers?: string[];
  respectPrivacySignals?: boolean;
  hashRouting?: boolean;
  consentMode?: ConsentMode;
}

const COLUMNS = {
  allowedReferrers: "allowed_referrers",
  respectPrivacySignals: "respect_privacy_signals",
  hashRouting: "hash_routing",
  consentMode: "consent_mode",
} as const satisfies Record<keyof PixelSettings, string>;

const stored = (value: PixelSettings[keyof PixelSettings]) =>
  Array.isArray(value) ? JSON.stringify(value) : typeof value === "boolean" ? Number(value) : value;

/** Sets the settings given; false when none was (nothing written). */
export async function updatePixelSettings(
  db: D1Database,
  organizationId: string,
  settings: PixelSettings,
): Promise<boolean> {
  const fields = (Object.keys(COLUMNS) as (keyof PixelSettings)[]).filter((field) => settings[field] !== undefined);
  if (fields.length === 0) return false;
  await db
    .prepare(
      `UPDATE pixels SET ${fields.map((field) => `${COLUMNS[field]} = ?`).join(", ")}, updated_at = ? WHERE organization_id = ?`,
    )
    .bind(...fields.map((field) => stored(settings[field])), isoSeconds(), organizationId)
    .run();
  return true;
}

/** Stores a new (sealed) proxy secret in place of the previous one. */
export async function setProxySecret(
  db: D1Database,
  organizationId: string,
  sealed: string,
  createdAt: string,
): Promise<void> {
  await db
    .prepare(
      "UPDATE pixels SET proxy_secret = ?, proxy_secret_created_at = ?, updated_at = ? WHERE organization_id = ?",
    )
    .bind(sealed, createdAt, createdAt, organizationId)
    .run();
}

/** Removes the proxy secret; false when there was none. */
export async function clearProxySecret(db: D1Database, organizationId: string): Promise<boolean> {
  const { meta } = await db
    .prepare(
      `UPDATE pixels SET proxy_secret = NULL, proxy_secret_created_at = NULL, updated_at = ?
       WHERE organization_id = ? AND proxy_secret IS NOT NULL`,
    )
    .bind(isoSeconds(), organizationId)
    .run();
  return meta.changes > 0;
}

/**
 * Gives the pixel a new key, compare-and-swap on the old one: of two concurrent rotations one
 * wins and the other gets null. Returns the old key, which must stop working.
 */
export async function rotatePixelKey(db: D1Database, organizationId: string): Promise<{ oldKey: string } | null> {
  const current = await db
    .prepare("SELECT api_key FROM pixels WHERE organization_id = ?")
    .bind(organizationId)
    .first<{ api_key: string }>();
  if (!current) throw new Error(`pixel of ${organizationId} missing`);
  const { meta } = await db
    .prepare("UPDATE pixels SET api_key = ?, updated_at = ? WHERE organization_id = ? AND api_key = ?")
    .bind(randomHex(12), isoSeconds(), organizationId, current.api_key)
    .run();
  return meta.changes === 1 ? { oldKey: current.api_key } : null;
}
