import type { OrganizationStatus } from "../../shared/accounts";
import type { BillingPeriod, ProductType, Tier } from "../../shared/billing";
import { periodAt } from "../billing/period";
import { Where } from "../lib/sql";
import { isoSeconds } from "../lib/time";
import { SELECT_ORGANIZATION, type OrganizationRow } from "./organization";

export interface NewOrganization {
  id: string;
  partnerId: string;
  name: string;
  externalId: string | null;
  ownerUserId: string | null;
  tier: Tier;
  productType: ProductType;
  billingPeriod: BillingPeriod;
  billingDayOfMonth: number;
  credits: number;
  metadata: string;
  pixelKey: string;
  allocationId: string;
  /** JSON array of the hosts its pixel accepts hits from ("[]": every host). */
  allowedReferrers: string;
}

/**
 * Statements that create an organization with its pixel, its first allocation (version 1, as its
 * pool registered it), its audit row and its period snapshot, for one `batch()`. The
 * organization limit is part of the insert, so parallel creations cannot exceed it; the first
 * statement changes no row when the limit is reached.
 */
export function insertOrganization(
  db: D1Database,
  o: NewOrganization,
  maxOrganizations: number | null,
  now: number,
): D1PreparedStatement[] {
  const at = isoSeconds(now);
  const period = periodAt(
    { period: o.billingPeriod, dayOfMonth: o.billingDayOfMonth, anchorMonth: new Date(now).getUTCMonth() },
    now,
  );
  const created = "EXISTS (SELECT 1 FROM organizations WHERE id = ?)";
  return [
    db
      .prepare(
        `INSERT INTO organizations (id, partner_id, name, external_id, owner_user_id, status, tier, product_type,
           billing_period, billing_day_of_month, credits, credits_version, metadata, created_at, updated_at)
         SELECT ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, 1, ?, ?, ?
         WHERE ?14 IS NULL OR (SELECT count(*) FROM organizations WHERE partner_id = ?2 AND status != 'canceled') < ?14`,
      )
      .bind(
        o.id,
        o.partnerId,
        o.name,
        o.externalId,
        o.ownerUserId,
        o.tier,
        o.productType,
        o.billingPeriod,
        o.billingDayOfMonth,
        o.credits,
        o.metadata,
        at,
        at,
        maxOrganizations,
      ),
    db
      .prepare(
        `INSERT INTO pixels (organization_id, api_key, allowed_referrers, created_at, updated_at)
         SELECT ?, ?, ?, ?, ? WHERE ${created}`,
      )
      .bind(o.id, o.pixelKey, o.allowedReferrers, at, at, o.id),
    db
      .prepare(
        `INSERT INTO credit_allocations (id, partner_id, organization_id, credits, notes, created_at)
         SELECT ?, ?, ?, ?, 'initial allocation', ? WHERE ${created}`,
      )
      .bind(o.allocationId, o.partnerId, o.id, o.credits, at, o.id),
    db
      .prepare(
        `INSERT INTO organization_periods (organization_id, current_period_start, current_period_end, allocation, used,
           available, last_seq, updated_at)
         SELECT ?, ?, ?, ?, 0, ?, 0, ? WHERE ${created}`,
      )
      .bind(o.id, isoSeconds(period.start), isoSeconds(period.end), o.credits, o.credits, at, o.id),
  ];
}

export interface OrganizationFilter {
  /** Without it, every organization but canceled ones. */
  status?: OrganizationStatus;
  /** Case-insensitive substring of the name. */
  search?: string;
  externalId?: string;
}

/** A page of the partner's organizations, newest first, and how many match. */
export async function organizationPage(
  db: D1Database,
  partnerId: string,
  filter: OrganizationFilter,
  pageSize: number,
  offset: number,
): Promise<{ rows: OrganizationRow[]; total: number }> {
  const where = new Where("o.partner_id = ?", partnerId)
    .and("o.status = ?", filter.status)
    .and("o.status != ?", filter.status === undefined ? "canceled" : undefined)
    .and("instr(lower(o.name), lower(?)) > 0", filter.search || undefined)
    .and("o.external_id = ?", filter.externalId || undefined);
  const [rows, count] = await db.batch<OrganizationRow | { total: number }>([
    db
      .prepare(`${SELECT_ORGANIZATION} ${where} ORDER BY o.created_at DESC, o.id DESC LIMIT ? OFFSET ?`)
      .bind(...where.params, pageSize, offset),
    db.prepare(`SELECT count(*) AS total FROM organizations o ${where}`).bind(...where.params),
  ]);
  return { rows: rows!.results as OrganizationRow[], total: (count!.results[0] as { total: number }).total };
}

/** Every organization of the shard, of every partner, canceled ones included. */
export async function countOrganizations(db: D1Database): Promise<number> {
  const row = await db.prepare("SELECT count(*) AS n FROM organizations").first<{ n: number }>();
  return row?.n ?? 0;
}

/**
 * Sets the columns given on the partner's organization; with `resync`, its copies (the counter)
 * are marked behind, so the reconciliation tells them if the caller cannot.
 */
export async function updateOrganization(
  db: D1Database,
  partnerId: string,
  organizationId: string,
  changes: [column: keyof OrganizationRow, value: unknown][],
  resync: boolean,
): Promise<void> {
  const sets = [...changes.map(([column]) => `${column} = ?`), ...(resync ? ["sync_version = sync_version + 1"] : [])];
  if (sets.length === 0) return;
  await db
    .prepare(`UPDATE organizations SET ${sets.join(", ")}, updated_at = ? WHERE id = ? AND partner_id = ?`)
    .bind(...changes.map(([, value]) => value), isoSeconds(), organizationId, partnerId)
    .run();
}

/** Organizations of the partner that count toward `maxOrganizations` (all but canceled ones). */
export async function activeOrganizationCount(db: D1Database, partnerId: string): Promise<number> {
  const row = await db
    .prepare("SELECT count(*) AS n FROM organizations WHERE partner_id = ? AND status != 'canceled'")
    .bind(partnerId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** An `externalId` is unique per partner, canceled organizations included. */
export async function externalIdTaken(db: D1Database, partnerId: string, externalId: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS taken FROM organizations WHERE partner_id = ? AND external_id = ?")
    .bind(partnerId, externalId)
    .first();
  return row !== null;
}

/**
 * Re-enables an organization (also a canceled one, within the partner's organization limit) or
 * disables it (a canceled one stays canceled). Either way its copies get a new version.
 * Changes no row when re-enabling would exceed the limit.
 */
export async function setStatus(
  db: D1Database,
  organizationId: string,
  enabled: boolean,
  maxOrganizations: number | null,
): Promise<boolean> {
  const at = isoSeconds();
  const statement = enabled
    ? db
        .prepare(
          `UPDATE organizations SET status = 'active', deleted_at = NULL, sync_version = sync_version + 1,
             updated_at = CASE WHEN status = 'active' THEN updated_at ELSE ?1 END
           WHERE id = ?2 AND (status != 'canceled' OR ?3 IS NULL
             OR (SELECT count(*) FROM organizations o WHERE o.partner_id = organizations.partner_id
                 AND o.status != 'canceled') < ?3)`,
        )
        .bind(at, organizationId, maxOrganizations)
    : db
        .prepare(
          `UPDATE organizations SET status = CASE WHEN status = 'active' THEN 'suspended' ELSE status END,
             sync_version = sync_version + 1, updated_at = CASE WHEN status = 'active' THEN ?1 ELSE updated_at END
           WHERE id = ?2`,
        )
        .bind(at, organizationId);
  const { meta } = await statement.run();
  return meta.changes === 1;
}

/** Cancels an organization (soft delete); a canceled one keeps its `deletedAt`. */
export async function cancel(db: D1Database, organizationId: string): Promise<void> {
  const at = isoSeconds();
  await db
    .prepare(
      `UPDATE organizations SET sync_version = sync_version + (status != 'canceled'),
         updated_at = CASE WHEN status = 'canceled' THEN updated_at ELSE ?1 END,
         deleted_at = coalesce(deleted_at, ?1), status = 'canceled'
       WHERE id = ?2`,
    )
    .bind(at, organizationId)
    .run();
}

/** Records that these organizations' copies have (at least) these versions. */
export async function markSynced(db: D1Database, synced: { id: string; version: number }[]): Promise<void> {
  if (synced.length === 0) return;
  await db
    .prepare(
      `UPDATE organizations SET synced_version = s.version
       FROM (SELECT value ->> '$.id' AS id, value ->> '$.version' AS version FROM json_each(?)) AS s
       WHERE organizations.id = s.id AND organizations.synced_version < s.version`,
    )
    .bind(JSON.stringify(synced))
    .run();
}

/** Organizations whose copies are behind D1 (of one partner, or of all), by id after `after`. */
export async function unsyncedOrganizations(
  db: D1Database,
  partnerId: string | null,
  after: string | null,
  limit: number,
): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT id FROM organizations
       WHERE synced_version < sync_version AND id > ? AND (?2 IS NULL OR partner_id = ?2)
       ORDER BY id LIMIT ?`,
    )
    .bind(after ?? "", partnerId, limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

export async function readSweepCursor(db: D1Database, name: string): Promise<string> {
  const row = await db.prepare("SELECT cursor FROM sweeps WHERE name = ?").bind(name).first<{ cursor: string }>();
  return row?.cursor ?? "";
}

export async function writeSweepCursor(db: D1Database, name: string, cursor: string): Promise<void> {
  await db
    .prepare(
      "INSERT INTO sweeps (name, cursor) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor",
    )
    .bind(name, cursor)
    .run();
}
