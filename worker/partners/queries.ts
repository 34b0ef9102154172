import type { BillingMode, BillingPeriod } from "../../shared/billing";
import { isoSeconds } from "../lib/time";
import type { Shard } from "../shards";
import type { PartnerRow } from "./partner";

export interface NewPartner {
  id: string;
  name: string;
  slug: string;
  companyName: string;
  supportEmail: string | null;
  globalName: string | null;
  billingMode: BillingMode;
  billingPeriod: BillingPeriod;
  billingDayOfMonth: number;
  creditPoolTotal: number;
  maxOrganizations: number | null;
  maxIdentificationsPerOrg: number | null;
  retentionDays: number;
  uncappedUsage: boolean;
  shard: Shard;
}

/** Creates the partner and its first API key in one transaction (a taken slug throws the unique violation). */
export async function insertPartner(db: D1Database, p: NewPartner, firstKey: D1PreparedStatement): Promise<void> {
  const at = isoSeconds();
  const insert = db
    .prepare(
      `INSERT INTO partners (id, name, slug, company_name, support_email, global_name, billing_mode, billing_period,
         billing_day_of_month, credit_pool_total, max_organizations, max_identifications_per_org, retention_days,
         uncapped_usage, shard, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      p.id,
      p.name,
      p.slug,
      p.companyName,
      p.supportEmail,
      p.globalName,
      p.billingMode,
      p.billingPeriod,
      p.billingDayOfMonth,
      p.creditPoolTotal,
      p.maxOrganizations,
      p.maxIdentificationsPerOrg,
      p.retentionDays,
      p.uncappedUsage ? 1 : 0,
      p.shard,
      at,
      at,
    );
  await db.batch([insert, firstKey]);
}

/** The partner with this slug, or the first 100 partners by age. */
export async function findPartners(db: D1Database, slug?: string): Promise<PartnerRow[]> {
  const { results } = await (
    slug
      ? db.prepare("SELECT * FROM partners WHERE slug = ?").bind(slug)
      : db.prepare("SELECT * FROM partners ORDER BY created_at LIMIT 100")
  ).all<PartnerRow>();
  return results;
}

/** How many partners each shard holds (shards without one are missing). */
export async function partnersPerShard(db: D1Database): Promise<Map<number, number>> {
  const { results } = await db
    .prepare("SELECT shard, count(*) AS partners FROM partners GROUP BY shard")
    .all<{ shard: number; partners: number }>();
  return new Map(results.map((r) => [r.shard, r.partners]));
}

/**
 * Writes an operator's change of the partner's settings only if nothing changed them since
 * `version` was read (`settings_version`); `schedule` (JSON), when given, replaces the billing
 * schedule. False when another change came first.
 */
export async function updatePartnerSettings(
  db: D1Database,
  partnerId: string,
  version: number,
  changes: [column: keyof PartnerRow, value: unknown][],
  schedule: string | null,
): Promise<boolean> {
  const { meta } = await db
    .prepare(
      `UPDATE partners SET ${changes.map(([column]) => `${column} = ?, `).join("")}
         billing_schedule = coalesce(?, billing_schedule), settings_version = settings_version + 1, updated_at = ?
       WHERE id = ? AND settings_version = ?`,
    )
    .bind(...changes.map(([, value]) => value), schedule, isoSeconds(), partnerId, version)
    .run();
  return meta.changes > 0;
}

export type BrandingColumn = "logo_url" | "primary_color" | "secondary_color" | "company_name";

/** Sets the branding columns given; the others keep their value. */
export async function updateBranding(
  db: D1Database,
  partnerId: string,
  changes: [column: BrandingColumn, value: string | null][],
): Promise<void> {
  if (changes.length === 0) return;
  await db
    .prepare(
      `UPDATE partners SET ${changes.map(([column]) => `${column} = ?`).join(", ")}, updated_at = ? WHERE id = ?`,
    )
    .bind(...changes.map(([, value]) => value), isoSeconds(), partnerId)
    .run();
}

export async function setRetentionDays(db: D1Database, partnerId: string, retentionDays: number): Promise<void> {
  await db
    .prepare("UPDATE partners SET retention_days = ?, updated_at = ? WHERE id = ?")
    .bind(retentionDays, isoSeconds(), partnerId)
    .run();
}

/** Sets the script's global name (null: the platform's); true when it changed. */
export async function setGlobalName(db: D1Database, partnerId: string, globalName: string | null): Promise<boolean> {
  const { meta } = await db
    .prepare("UPDATE partners SET global_name = ?, updated_at = ? WHERE id = ? AND global_name IS NOT ?")
    .bind(globalName, isoSeconds(), partnerId, globalName)
    .run();
  return meta.changes > 0;
}
