/**
 * Usage read from the daily rollups only (`usage_daily`, `organization_periods`), so the
 * answers cost the same at 10M events as at 10. Days are UTC, `from`/`to` inclusive.
 * Credits are net of refunds: a refund counts on the day it was booked.
 */

export interface UsageTotals {
  events: number;
  identifications: number;
  credits: number;
}

export async function partnerUsage(db: D1Database, partnerId: string, from: string, to: string): Promise<UsageTotals> {
  const row = await db
    .prepare(
      `SELECT coalesce(sum(u.events), 0) AS events, coalesce(sum(u.identifications), 0) AS identifications,
         coalesce(sum(u.credits - u.refunds), 0) AS credits
       FROM organizations o JOIN usage_daily u ON u.organization_id = o.id AND u.day BETWEEN ? AND ?
       WHERE o.partner_id = ?`,
    )
    .bind(from, to, partnerId)
    .first<UsageTotals>();
  return row ?? { events: 0, identifications: 0, credits: 0 };
}

export interface OrganizationUsage {
  id: string;
  external_id: string | null;
  name: string;
  credits: number;
  identifications: number;
}

/** Every organization of the partner with its usage in the range, biggest consumers first. */
export async function usageByOrganization(
  db: D1Database,
  partnerId: string,
  from: string,
  to: string,
): Promise<OrganizationUsage[]> {
  const { results } = await db
    .prepare(
      `SELECT o.id, o.external_id, o.name, coalesce(sum(u.credits - u.refunds), 0) AS credits,
         coalesce(sum(u.identifications), 0) AS identifications
       FROM organizations o LEFT JOIN usage_daily u ON u.organization_id = o.id AND u.day BETWEEN ? AND ?
       WHERE o.partner_id = ? GROUP BY o.id ORDER BY credits DESC, o.created_at, o.id`,
    )
    .bind(from, to, partnerId)
    .all<OrganizationUsage>();
  return results;
}

export interface PartnerAnalytics {
  totalOrganizations: number;
  activeOrganizations: number;
  totalIdentifications: number;
  creditsUsed: number;
  creditsRemaining: number;
}

export async function partnerAnalytics(
  db: D1Database,
  partnerId: string,
  from: string,
  to: string,
): Promise<PartnerAnalytics> {
  const row = await db
    .prepare(
      `SELECT
         (SELECT count(*) FROM organizations WHERE partner_id = ?1 AND status != 'canceled') AS totalOrganizations,
         (SELECT count(DISTINCT u.organization_id) FROM organizations o
            JOIN usage_daily u ON u.organization_id = o.id AND u.day BETWEEN ?2 AND ?3
            WHERE o.partner_id = ?1 AND u.identifications > 0) AS activeOrganizations,
         (SELECT coalesce(sum(u.identifications), 0) FROM organizations o
            JOIN usage_daily u ON u.organization_id = o.id AND u.day BETWEEN ?2 AND ?3
            WHERE o.partner_id = ?1) AS totalIdentifications,
         (SELECT coalesce(sum(u.credits - u.refunds), 0) FROM organizations o
            JOIN usage_daily u ON u.organization_id = o.id AND u.day BETWEEN ?2 AND ?3
            WHERE o.partner_id = ?1) AS creditsUsed,
         (SELECT coalesce(sum(p.available), 0) FROM organizations o
            JOIN organization_periods p ON p.organization_id = o.id
            WHERE o.partner_id = ?1 AND o.status != 'canceled') AS creditsRemaining`,
    )
    .bind(partnerId, from, to)
    .first<PartnerAnalytics>();
  return row!;
}
