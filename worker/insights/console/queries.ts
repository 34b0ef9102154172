import { addDays, utcDay } from "../../lib/time";
import type { Env } from "../../env";
import { hasPool, loadPartner } from "../../partners/partner";
import { SELECT_ORGANIZATION, organizationWithBalance, type OrganizationRow } from "../../organizations/organization";

/** Without a hit for this long, a client's install status warns. */
export const INSTALL_WARNING_MS = 24 * 3600_000;

/** The first day of the last `days` UTC days, today included; "identified in the last 7 days" counts from it. */
export const windowStart = (days: number, now = Date.now()) => addDays(utcDay(now), -(days - 1));

/**
 * A page of the partner's clients (canceled ones left out, newest first, as the API lists them),
 * each with its organization object, identified companies in the last 7 and 30 days and its last hit.
 */
export async function consoleClients(env: Env, partnerId: string, page: number, pageSize: number, now = Date.now()) {
  const db = env.DB;
  const [rows, count] = await db.batch<OrganizationRow | { total: number }>([
    db
      .prepare(
        `${SELECT_ORGANIZATION} WHERE o.partner_id = ? AND o.status != 'canceled'
         ORDER BY o.created_at DESC, o.id DESC LIMIT ? OFFSET ?`,
      )
      .bind(partnerId, pageSize, (page - 1) * pageSize),
    db
      .prepare("SELECT count(*) AS total FROM organizations WHERE partner_id = ? AND status != 'canceled'")
      .bind(partnerId),
  ]);
  const organizations = rows.results as OrganizationRow[];
  const ids = JSON.stringify(organizations.map((o) => o.id));
  const since7 = `${windowStart(7, now)}T00:00:00Z`;
  const since30 = `${windowStart(30, now)}T00:00:00Z`;
  const [identified, lastHits] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `SELECT organization_id, count(*) FILTER (WHERE last_seen_at >= ?) AS last7, count(*) AS last30
         FROM visitors WHERE organization_id IN (SELECT value FROM json_each(?)) AND last_seen_at >= ?
         GROUP BY organization_id`,
      )
      .bind(since7, ids, since30),
    db
      .prepare(
        `SELECT o.value AS organization_id,
           (SELECT max(occurred_at) FROM page_views WHERE organization_id = o.value) AS last_hit_at
         FROM json_each(?) AS o`,
      )
      .bind(ids),
  ]);
  const counts = new Map(
    (identified.results as { organization_id: string; last7: number; last30: number }[]).map((r) => [
      r.organization_id,
      r,
    ]),
  );
  const hits = new Map(
    (lastHits.results as { organization_id: string; last_hit_at: string | null }[]).map((r) => [
      r.organization_id,
      r.last_hit_at,
    ]),
  );
  const clients = await Promise.all(
    organizations.map(async (row) => {
      const lastHitAt = hits.get(row.id) ?? null;
      return {
        organization: await organizationWithBalance(env, row),
        identifiedLast7Days: counts.get(row.id)?.last7 ?? 0,
        identifiedLast30Days: counts.get(row.id)?.last30 ?? 0,
        lastHitAt,
        installWarning: lastHitAt === null || now - Date.parse(lastHitAt) > INSTALL_WARNING_MS,
      };
    }),
  );
  return { clients, total: (count.results[0] as { total: number }).total };
}

export type ConsoleClient = Awaited<ReturnType<typeof consoleClients>>["clients"][number];

/** The partner's credit pool, as `GET /partner/me` reports it; null for partners billed by usage (no pool). */
export async function poolOf(db: D1Database, partnerId: string) {
  const partner = await loadPartner(db, partnerId);
  if (!hasPool(partner.billing_mode)) return null;
  const row = await db
    .prepare("SELECT coalesce(sum(credits), 0) AS allocated FROM organizations WHERE partner_id = ?")
    .bind(partnerId)
    .first<{ allocated: number }>();
  const allocated = row?.allocated ?? 0;
  return {
    total: partner.credit_pool_total,
    allocated,
    available: Math.max(0, partner.credit_pool_total - allocated),
  };
}
