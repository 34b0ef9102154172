import type { OrganizationStatus, PartnerStatus } from "../../shared/accounts";
import type { BillingMode, BillingPeriod, Tier } from "../../shared/billing";
import type { Schedule } from "../billing/period";
import { isoSeconds } from "../lib/time";
import type { CounterConfig, PoolOrganization, PoolSettings } from "./types";
import type { TenantEnv } from "../shards";

/** What the tenant shard holds about an organization that its counter needs. */
interface CounterSource {
  id: string;
  partner_id: string;
  status: OrganizationStatus;
  billing_period: BillingPeriod;
  billing_day_of_month: number;
  credits: number;
  credits_version: number;
  created_at: string;
  sync_version: number;
}

/** What the catalog holds about its partner. */
interface CounterPartnerSource {
  billing_mode: BillingMode;
  partner_status: PartnerStatus;
  max_identifications_per_org: number | null;
  uncapped_usage: number;
}

function toCounterConfig(row: CounterSource & CounterPartnerSource): CounterConfig {
  return {
    organizationId: row.id,
    partnerId: row.partner_id,
    billingMode: row.billing_mode,
    billingPeriod: row.billing_period,
    billingDayOfMonth: row.billing_day_of_month,
    anchorMonth: new Date(row.created_at).getUTCMonth(),
    allocation: row.credits,
    allocationVersion: row.credits_version,
    active: row.status === "active" && row.partner_status === "active",
    maxPerPeriod: row.max_identifications_per_org,
    uncappedUsage: row.uncapped_usage === 1,
    settingsVersion: row.sync_version,
  };
}

/** The settings of these organizations as their counters need them (missing ids are left out). */
export async function readCounterConfigs(tenant: TenantEnv, organizationIds: string[]): Promise<CounterConfig[]> {
  const { results } = await tenant.DB.prepare(
    `SELECT id, partner_id, status, billing_period, billing_day_of_month, credits, credits_version, created_at,
       sync_version
     FROM organizations WHERE id IN (SELECT value FROM json_each(?))`,
  )
    .bind(JSON.stringify(organizationIds))
    .all<CounterSource>();
  if (results.length === 0) return [];
  const { results: partners } = await tenant.CATALOG.prepare(
    `SELECT id, billing_mode, status AS partner_status, max_identifications_per_org, uncapped_usage
     FROM partners WHERE id IN (SELECT value FROM json_each(?))`,
  )
    .bind(JSON.stringify([...new Set(results.map((o) => o.partner_id))]))
    .all<CounterPartnerSource & { id: string }>();
  const partnerOf = new Map(partners.map((p) => [p.id, p]));
  return results.flatMap((o) => {
    const partner = partnerOf.get(o.partner_id);
    return partner ? [toCounterConfig({ ...partner, ...o })] : [];
  });
}

export async function readCounterConfig(tenant: TenantEnv, organizationId: string): Promise<CounterConfig | null> {
  return (await readCounterConfigs(tenant, [organizationId]))[0] ?? null;
}

/** The partner's settings and every organization's allocation, as its pool starts from them. */
export async function readPoolSource(
  tenant: TenantEnv,
  partnerId: string,
): Promise<{ settings: PoolSettings; schedule: Schedule | null; organizations: PoolOrganization[] } | null> {
  const [row, organizations] = await Promise.all([
    tenant.CATALOG.prepare(`SELECT ${POOL_SOURCE_COLUMNS}, billing_schedule FROM partners WHERE id = ?`)
      .bind(partnerId)
      .first<PoolSource & { billing_schedule: string | null }>(),
    tenant.DB.prepare(`SELECT ${POOL_ORGANIZATION_COLUMNS} FROM organizations WHERE partner_id = ?`)
      .bind(partnerId)
      .all<PoolOrganizationRow>(),
  ]);
  if (!row) return null;
  return {
    settings: poolSettings(row),
    schedule: row.billing_schedule ? (JSON.parse(row.billing_schedule) as Schedule) : null,
    organizations: organizations.results.map(toPoolOrganization),
  };
}

/** One organization of the partner as its pool keeps it, or null. */
export async function readPoolOrganization(
  db: D1Database,
  partnerId: string,
  organizationId: string,
): Promise<PoolOrganization | null> {
  const row = await db
    .prepare(`SELECT ${POOL_ORGANIZATION_COLUMNS} FROM organizations WHERE id = ? AND partner_id = ?`)
    .bind(organizationId, partnerId)
    .first<PoolOrganizationRow>();
  return row ? toPoolOrganization(row) : null;
}

const POOL_SOURCE_COLUMNS =
  "id, billing_mode, credit_pool_total, max_identifications_per_org, status, billing_period, billing_day_of_month, created_at";
const POOL_ORGANIZATION_COLUMNS = "id, credits, credits_version, tier";

interface PoolOrganizationRow {
  id: string;
  credits: number;
  credits_version: number;
  tier: Tier;
}

const toPoolOrganization = (o: PoolOrganizationRow): PoolOrganization => ({
  id: o.id,
  allocation: o.credits,
  version: o.credits_version,
  tier: o.tier,
});

/** What D1 holds about a partner that its pool needs (a `partners` row). */
export interface PoolSource {
  id: string;
  billing_mode: BillingMode;
  credit_pool_total: number;
  max_identifications_per_org: number | null;
  status: PartnerStatus;
  billing_period: BillingPeriod;
  billing_day_of_month: number;
  created_at: string;
}

export function poolSettings(row: PoolSource): PoolSettings {
  return {
    partnerId: row.id,
    billingMode: row.billing_mode,
    total: row.credit_pool_total,
    maxPerOrganization: row.max_identifications_per_org,
    active: row.status === "active",
    billingPeriod: row.billing_period,
    billingDayOfMonth: row.billing_day_of_month,
    anchorMonth: new Date(row.created_at).getUTCMonth(),
  };
}

/**
 * D1's copy of an allocation the counter took: the organization's `credits` with its version (an
 * older version never overwrites a newer one) and, when the partner set it, its audit row.
 */
export function mirrorAllocation(
  db: D1Database,
  allocation: { partnerId: string; organizationId: string; credits: number; version: number },
  audit: { id: string; note: string | null } | null,
): D1PreparedStatement[] {
  const at = isoSeconds();
  const statements = [
    db
      .prepare(
        "UPDATE organizations SET credits = ?, credits_version = ?, updated_at = ? WHERE id = ? AND credits_version < ?",
      )
      .bind(allocation.credits, allocation.version, at, allocation.organizationId, allocation.version),
  ];
  if (audit) {
    statements.push(
      db
        .prepare(
          "INSERT OR IGNORE INTO credit_allocations (id, partner_id, organization_id, credits, notes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(audit.id, allocation.partnerId, allocation.organizationId, allocation.credits, audit.note, at),
    );
  }
  return statements;
}

export function setTierStatement(db: D1Database, organizationId: string, tier: Tier): D1PreparedStatement {
  return db
    .prepare("UPDATE organizations SET tier = ?, updated_at = ? WHERE id = ?")
    .bind(tier, isoSeconds(), organizationId);
}

/** Which of these organization ids exist in D1. */
export async function existingOrganizations(db: D1Database, ids: string[]): Promise<Set<string>> {
  const { results } = await db
    .prepare("SELECT id FROM organizations WHERE id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(ids))
    .all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}
