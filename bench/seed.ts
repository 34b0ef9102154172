/**
 * Bulk data for the benchmarks, written straight into the Worker's local D1 (the same
 * SQLite file workerd uses) with INSERT … SELECT over recursive CTEs: a million rows in
 * seconds, where HTTP would take hours. Rows are shaped like the consumer's own.
 */
import type { D1Database } from "@cloudflare/workers-types";

const CHUNK = 100_000;
/** Visitors were last seen over the 30 days before this instant (one second apart, newest first). */
const NOW = Math.floor(Date.now() / 1000);

/** Words of the seeded names: a search for one of them matches one visitor in `NAME_WORDS`. */
export const NAME_WORDS = 50;

/**
 * `count` identified visitors of one organization, written the way the consumer keeps them: the
 * visitor row with its company snapshot (`Bench <word> Co <n>`, `bench-<n>.example`, Software), its
 * search terms, and the organization's running count.
 */
export async function seedVisitors(db: D1Database, organizationId: string, count: number): Promise<void> {
  await db
    .prepare("INSERT OR IGNORE INTO organization_keys (organization_id, salt) VALUES (?, ?)")
    .bind(organizationId, crypto.randomUUID())
    .run();
  const { key } = (await db
    .prepare("SELECT key FROM organization_keys WHERE organization_id = ?")
    .bind(organizationId)
    .first<{ key: number }>())!;
  for (let from = 1; from <= count; from += CHUNK) {
    const to = Math.min(count, from + CHUNK - 1);
    await db.batch([
      db
        .prepare(
          `INSERT INTO visitors (org, id, type, first_seen, last_seen, sessions, page_views, engaged_seconds,
             landing_page, last_page, device_type, browser, os, name, domain, industry, employee_range, hq_country)
           WITH RECURSIVE seq(n) AS (SELECT ?1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?2)
           SELECT ?3, printf('b%010d', n), 'company', ?4 - n * 2, ?4 - n, 1 + n % 5, 1 + n % 20, n % 600, '/',
             '/pricing', 'desktop', 'Chrome', 'Linux', printf('Bench W%d Co %08d', n % ${NAME_WORDS}, n),
             printf('bench-%08d.example', n), 'Software', '51-200', 'US'
           FROM seq`,
        )
        .bind(from, to, key, NOW),
      // The consumer's search terms: every word of the name and the domain, behind the organization's key.
      db
        .prepare(
          `INSERT INTO visitor_search (rowid, terms)
           SELECT seq, printf('k%dzbench k%dzw%d k%dzco k%dz%08d k%dzexample', org, org, n % ${NAME_WORDS}, org, org, n, org)
           FROM (SELECT seq, org, CAST(substr(id, 2) AS INTEGER) AS n FROM visitors
             WHERE org = ?1 AND id BETWEEN printf('b%010d', ?2) AND printf('b%010d', ?3))`,
        )
        .bind(key, from, to),
    ]);
  }
  await db.prepare("UPDATE organization_keys SET visitors = visitors + ? WHERE key = ?").bind(count, key).run();
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
      `INSERT INTO usage_daily (organization_id, day, events, identifications, credits, page_views, not_identified)
       WITH RECURSIVE o(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM o WHERE n < ?1),
                      d(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM d WHERE k < ?2 - 1)
       SELECT printf('org_%s_%05d', ?3, o.n), date(?4, 'unixepoch', printf('-%d days', d.k)), ?5, ?5 / 3, ?5 / 30,
         ?5, ?5 - ?5 / 3
       FROM o, d`,
    )
    .bind(organizations, days, prefix, NOW, perRow)
    .run();
}
