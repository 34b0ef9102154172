import { addDays, isoSeconds, unixSeconds, utcDay } from "../../lib/time";
import type { TenantEnv } from "../../shards";
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
export async function consoleClients(
  env: TenantEnv,
  partnerId: string,
  page: number,
  pageSize: number,
  now = Date.now(),
) {
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
  const clients = await withFigures(env, rows!.results as OrganizationRow[], now);
  return { clients, total: (count!.results[0] as { total: number }).total };
}

/**
 * The organizations with what the console shows of each: its organization object (credits from its
 * counter), identified companies in the last 7 and 30 days, and its last hit.
 */
async function withFigures(env: TenantEnv, organizations: OrganizationRow[], now: number) {
  const db = env.DB;
  const ids = JSON.stringify(organizations.map((o) => o.id));
  const since7 = unixSeconds(Date.parse(`${windowStart(7, now)}T00:00:00Z`));
  const since30 = unixSeconds(Date.parse(`${windowStart(30, now)}T00:00:00Z`));
  const [identified, lastHits] = await db.batch<Record<string, unknown>>([
    db
      .prepare(
        `SELECT k.organization_id, count(*) FILTER (WHERE v.last_seen >= ?) AS last7, count(*) AS last30
         FROM organization_keys k JOIN visitors v ON v.org = k.key AND v.last_seen >= ?
         WHERE k.organization_id IN (SELECT value FROM json_each(?))
         GROUP BY k.organization_id`,
      )
      .bind(since7, since30, ids),
    // The latest hit: the last_hit of the organization's latest rollup day.
    db
      .prepare(
        `SELECT o.value AS organization_id,
           (SELECT last_hit FROM usage_daily WHERE organization_id = o.value AND last_hit IS NOT NULL
            ORDER BY day DESC LIMIT 1) AS last_hit
         FROM json_each(?) AS o`,
      )
      .bind(ids),
  ]);
  const counts = new Map(
    (identified!.results as { organization_id: string; last7: number; last30: number }[]).map((r) => [
      r.organization_id,
      r,
    ]),
  );
  const hits = new Map(
    (lastHits!.results as { organization_id: string; last_hit: number | null }[]).map((r) => [
      r.organization_id,
      r.last_hit === null ? null : isoSeconds(r.last_hit * 1000),
    ]),
  );
  return Promise.all(
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
}

export type ConsoleClient = Awaited<ReturnType<typeof consoleClients>>["clients"][number];

/** The partner's credit pool, as `GET /partner/me` reports it; null for partners billed by usage (no pool). */
export async function poolOf(tenant: TenantEnv, partnerId: string) {
  const partner = await loadPartner(tenant.CATALOG, partnerId);
  if (!hasPool(partner.billing_mode)) return null;
  const row = await tenant.DB.prepare(
    "SELECT coalesce(sum(credits), 0) AS allocated FROM organizations WHERE partner_id = ?",
  )
    .bind(partnerId)
    .first<{ allocated: number }>();
  const allocated = row?.allocated ?? 0;
  return {
    total: partner.credit_pool_total,
    allocated,
    available: Math.max(0, partner.credit_pool_total - allocated),
  };
}

/** Allocations shown on a client's console page, newest first. */
export const ALLOCATIONS_SHOWN = 10;

/**
 * One client of the partner as its console page shows it (null when the partner has no such
 * client, or it was canceled): the figures of the clients list, and its latest allocations.
 */
export async function consoleClient(env: TenantEnv, partnerId: string, organizationId: string, now = Date.now()) {
  const db = env.DB;
  const [rows, allocations] = await db.batch<Record<string, unknown>>([
    db
      .prepare(`${SELECT_ORGANIZATION} WHERE o.id = ? AND o.partner_id = ? AND o.status != 'canceled'`)
      .bind(organizationId, partnerId),
    db
      .prepare(
        `SELECT id, credits, notes, created_at FROM credit_allocations
         WHERE organization_id = ? AND partner_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .bind(organizationId, partnerId, ALLOCATIONS_SHOWN),
  ]);
  const row = rows!.results[0] as OrganizationRow | undefined;
  if (!row) return null;
  const [client] = await withFigures(env, [row], now);
  return {
    ...client!,
    allocations: (
      allocations!.results as { id: string; credits: number; notes: string | null; created_at: string }[]
    ).map((a) => ({ id: a.id, credits: a.credits, note: a.notes, at: a.created_at })),
  };
}

export type ConsoleClientDetail = NonNullable<Awaited<ReturnType<typeof consoleClient>>>;
