/**
 * Bulk data for the benchmarks, written straight into the Worker's local D1 (the same
 * SQLite file workerd uses) with INSERT … SELECT over recursive CTEs: a million rows in
 * seconds, where HTTP would take hours. Rows are shaped like the consumer's own.
 */
import type { D1Database } from "@cloudflare/workers-types";

const CHUNK = 100_000;
/** Visitors were last seen over the 30 days before this instant (one second apart, newest first). */
const NOW = Math.floor(Date.now() / 1000);

/** `count` visitors of one organization, all of one company (the list query joins companies). */
export async function seedVisitors(
  db: D1Database,
  organizationId: string,
  companyId: string,
  count: number,
): Promise<void> {
  for (let from = 1; from <= count; from += CHUNK) {
    const to = Math.min(count, from + CHUNK - 1);
    await db
      .prepare(
        `INSERT INTO visitors (id, organization_id, identity_key, type, company_id, first_seen_at, last_seen_at,
           sessions, page_views, total_time_seconds, landing_page, last_page, device_type, browser, os)
         WITH RECURSIVE seq(n) AS (SELECT ?1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?2)
         SELECT printf('vis_%s_%08d', ?3, n), ?3, printf('company:bench-%08d', n), 'company', ?4,
           strftime('%Y-%m-%dT%H:%M:%SZ', ?5 - n * 2, 'unixepoch'), strftime('%Y-%m-%dT%H:%M:%SZ', ?5 - n, 'unixepoch'),
           1 + n % 5, 1 + n % 20, n % 600, '/', '/pricing', 'desktop', 'Chrome', 'Linux'
         FROM seq`,
      )
      .bind(from, to, organizationId, companyId, NOW)
      .run();
  }
  // What the queue consumer keeps for every visitor it creates (the unfiltered list's total).
  await db
    .prepare(
      `INSERT INTO organization_stats (organization_id, visitors) VALUES (?, ?)
       ON CONFLICT (organization_id) DO UPDATE SET visitors = visitors + excluded.visitors`,
    )
    .bind(organizationId, count)
    .run();
}

/**
 * `organizations` organizations of one partner with daily usage rollups over `days` days
 * whose events add up to `events` (a third of them identifications, a tenth charged).
 */
export async function seedUsage(
  db: D1Database,
  partnerId: string,
  prefix: string,
  organizations: number,
  days: number,
  events: number,
): Promise<void> {
  const created = new Date((NOW - 40 * 86_400) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  await db
    .prepare(
      `INSERT INTO organizations (id, partner_id, name, status, tier, product_type, billing_period, billing_day_of_month,
         credits, metadata, created_at, updated_at)
       WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?1)
       SELECT printf('org_%s_%05d', ?2, n), ?3, printf('Bench org %d', n), 'active', 'paid', 'B2B', 'monthly', 1,
         1000000, '{}', ?4, ?4 FROM seq`,
    )
    .bind(organizations, prefix, partnerId, created)
    .run();
  const perRow = Math.floor(events / (organizations * days));
  await db
    .prepare(
      `INSERT INTO usage_daily (organization_id, day, events, identifications, credits)
       WITH RECURSIVE o(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM o WHERE n < ?1),
                      d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k < ?2 - 1)
       SELECT printf('org_%s_%05d', ?3, o.n), date(?4, 'unixepoch', printf('-%d days', d.k)), ?5, ?5 / 3, ?5 / 30
       FROM o, d`,
    )
    .bind(organizations, days, prefix, NOW, perRow)
    .run();
}
