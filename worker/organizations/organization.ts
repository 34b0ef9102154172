import type { z } from "@hono/zod-openapi";
import type { OrganizationStatus } from "../../shared/accounts";
import type { BillingPeriod, ProductType, Tier } from "../../shared/billing";
import { counterFor } from "../credits/counter-client";
import type { Balance } from "../credits/counter";
import { periodAt } from "../billing/period";
import type { TenantEnv } from "../shards";
import { ApiError, notFound } from "../lib/errors";
import { isoSeconds } from "../lib/time";
import type { OrganizationSchema } from "./schemas";

export interface OrganizationRow {
  id: string;
  partner_id: string;
  name: string;
  external_id: string | null;
  owner_user_id: string | null;
  status: OrganizationStatus;
  tier: Tier;
  product_type: ProductType;
  billing_period: BillingPeriod;
  billing_day_of_month: number;
  credits: number;
  metadata: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export const SELECT_ORGANIZATION = `SELECT o.* FROM organizations o`;

/** The partner's organization, or null (another partner's id too). */
export const organizationRow = (db: D1Database, partnerId: string, id: string) =>
  db.prepare(`${SELECT_ORGANIZATION} WHERE o.id = ? AND o.partner_id = ?`).bind(id, partnerId).first<OrganizationRow>();

/** The partner's organization, or 404: another partner's id is indistinguishable from an unknown one. */
export async function findOrganization(db: D1Database, partnerId: string, id: string): Promise<OrganizationRow> {
  const row = await organizationRow(db, partnerId, id);
  if (!row) throw notFound("Organization");
  return row;
}

/** The API's organization object; credits used/available come from the organization's counter. */
export function toOrganization(row: OrganizationRow, balance: Balance | null): z.infer<typeof OrganizationSchema> {
  const period =
    balance ??
    (() => {
      const p = periodAt(
        {
          period: row.billing_period,
          dayOfMonth: row.billing_day_of_month,
          anchorMonth: new Date(row.created_at).getUTCMonth(),
        },
        Date.now(),
      );
      return {
        periodStart: p.start,
        periodEnd: p.end,
        allocation: row.credits,
        used: 0,
        available: row.credits,
        scheduleChangeAt: null,
      };
    })();
  return {
    id: row.id,
    name: row.name,
    externalId: row.external_id,
    status: row.status,
    enabled: row.status === "active",
    tier: row.tier,
    productType: row.product_type,
    billingPeriod: row.billing_period,
    billingDayOfMonth: row.billing_day_of_month,
    billingChangeEffectiveAt: period.scheduleChangeAt === null ? null : isoSeconds(period.scheduleChangeAt),
    credits: row.credits,
    creditsUsed: period.used,
    creditsAvailable: period.available,
    currentPeriodStart: isoSeconds(period.periodStart),
    currentPeriodEnd: isoSeconds(period.periodEnd),
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    partnerMetadata: { externalId: row.external_id },
    ownerUserId: row.owner_user_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deletedAt: row.deleted_at,
  };
}

export async function organizationWithBalance(env: TenantEnv, row: OrganizationRow) {
  return toOrganization(row, await counterFor(env, row.id).balance());
}

/** 409 for an `externalId` the partner already gave another organization (unique per partner). */
export const externalIdConflict = (externalId: string, cause?: unknown) =>
  new ApiError("Conflict", `An organization with externalId '${externalId}' already exists`, { externalId }, { cause });
