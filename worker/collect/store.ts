import { byDeviceDayTable } from "../visitors/device-days";
import { searchDocument } from "../visitors/search";
import { deviceRowOf, type DeviceRow } from "./device-state";
import { ANONYMOUS_TEXTS_PER_DAY } from "./plan";
import type { AddressState, OrganizationPlan } from "./plan-types";
import { rollupStatement } from "./rollups";

/**
 * The D1 statements of one organization's plan, for one `batch()` (one transaction). The first
 * is the guard: it fails the batch when a device row moved past the version the plan read, a
 * visitor the plan took for absent (or not seen today) was written meanwhile, or a person whose
 * visitor it writes is suppressed by now (N3: an erasure ran since the batch read the suppressions);
 * then nothing is written and the consumer reads again. Everything after it may therefore count each hit once.
 * Rows travel as one JSON parameter per statement (D1 allows 100 bound parameters).
 */
export function planStatements(db: D1Database, plan: OrganizationPlan): D1PreparedStatement[] {
  const org = plan.key;
  const json = (rows: unknown[]) => JSON.stringify(rows);
  const devices = [...byDeviceDayTable(plan.devices.map(deviceRowOf), (d) => d.day)];
  // Each day's device rows are in a table of their own (visitors/device-days.ts).
  const movedDevices = devices.map(
    ([table], n) => `EXISTS (SELECT 1 FROM json_each(?${n + 4}) j
       LEFT JOIN ${table} d ON d.org = ?1 AND d.day = j.value ->> 0 AND d.device = j.value ->> 1
       WHERE coalesce(d.version, 0) != j.value ->> 2)`,
  );
  const statements: D1PreparedStatement[] = [
    db
      .prepare(
        `INSERT INTO write_guard (ok) SELECT 0 WHERE
           EXISTS (SELECT 1 FROM json_each(?2) j
             CROSS JOIN visitors v ON v.org = ?1 AND v.id = j.value ->> 0 WHERE v.last_seen >= j.value ->> 1)
           OR EXISTS (SELECT 1 FROM json_each(?3) j
             CROSS JOIN suppressions s ON s.partner_id = j.value ->> 0 AND s.email_sha256 = j.value ->> 1)
           ${movedDevices.map((moved) => `OR ${moved}`).join("\n           ")}`,
      )
      .bind(
        org,
        json(plan.assumed),
        json(plan.people),
        ...devices.map(([, rows]) => json(rows.map((d) => [d.day, d.device, d.version - 1]))),
      ),
  ];
  for (const [table, rows] of devices) statements.push(deviceStatement(db, table, org, rows));
  for (const delta of plan.rollups) statements.push(rollupStatement(db, plan.organizationId, delta));
  if (plan.visitors.length > 0) statements.push(...visitorStatements(db, plan));
  if (plan.sessions.length > 0) {
    statements.push(
      db
        .prepare(
          `INSERT INTO sessions (visitor, start, org, last_seen, page_views, landing_page, referrer, utm_source,
             utm_medium, utm_campaign, utm_term, utm_content, device_type)
           SELECT v.seq, s.value ->> 1, ?1, s.value ->> 2, s.value ->> 3, s.value ->> 4, s.value ->> 5, s.value ->> 6,
             s.value ->> 7, s.value ->> 8, s.value ->> 9, s.value ->> 10, s.value ->> 11
           FROM json_each(?2) s CROSS JOIN visitors v ON v.org = ?1 AND v.id = s.value ->> 0
           WHERE true
           ON CONFLICT (visitor, start) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen),
             page_views = page_views + excluded.page_views`,
        )
        .bind(
          org,
          json(
            plan.sessions.map((s) => [
              s.visitor,
              s.start,
              s.lastSeen,
              s.pageViews,
              s.source.landing,
              s.source.referrer,
              ...s.source.utm,
              s.deviceType,
            ]),
          ),
        ),
    );
  }
  if (plan.pageViews.length > 0) {
    statements.push(
      db
        .prepare(
          `INSERT OR IGNORE INTO page_views (visitor, session, key, at, path, engaged_seconds, scroll_depth)
           SELECT v.seq, p.value ->> 1, p.value ->> 2, p.value ->> 3, p.value ->> 4, p.value ->> 5, p.value ->> 6
           FROM json_each(?2) p CROSS JOIN visitors v ON v.org = ?1 AND v.id = p.value ->> 0`,
        )
        .bind(
          org,
          json(plan.pageViews.map((p) => [p.visitor, p.session, p.key, p.at, p.path, p.engagedSeconds, p.scrollDepth])),
        ),
    );
  }
  if (plan.engagements.length > 0) {
    const engagements = json(plan.engagements.map((e) => [e.visitor, e.session, e.key, e.seconds, e.depth]));
    // Engagement is cumulative per page view: the visitor's totals move by the difference to what the
    // page view holds, then the page view keeps the maximum. Repeating both changes nothing.
    const reported = `SELECT v.seq AS visitor, e.value ->> 1 AS session, e.value ->> 2 AS key, e.value ->> 3 AS seconds,
        e.value ->> 4 AS depth
      FROM json_each(?2) e CROSS JOIN visitors v ON v.org = ?1 AND v.id = e.value ->> 0`;
    statements.push(
      db
        .prepare(
          `WITH r AS MATERIALIZED (
             SELECT pv.visitor, sum(max(0, e.seconds - pv.engaged_seconds)) AS seconds,
               sum(max(0, e.depth - coalesce(pv.scroll_depth, 0))) AS depth, sum(pv.scroll_depth IS NULL) AS samples
             FROM (${reported}) e CROSS JOIN page_views pv
               ON pv.visitor = e.visitor AND pv.session = e.session AND pv.key = e.key
             GROUP BY pv.visitor)
           UPDATE visitors SET engaged_seconds = engaged_seconds + r.seconds, scroll_sum = scroll_sum + r.depth,
             scroll_samples = scroll_samples + r.samples
           FROM r WHERE visitors.seq = r.visitor`,
        )
        .bind(org, engagements),
      db
        .prepare(
          `WITH r AS MATERIALIZED (${reported})
           UPDATE page_views SET engaged_seconds = max(engaged_seconds, r.seconds),
             scroll_depth = max(coalesce(scroll_depth, 0), r.depth)
           FROM r WHERE page_views.visitor = r.visitor AND page_views.session = r.session AND page_views.key = r.key`,
        )
        .bind(org, engagements),
    );
  }
  for (const [day, texts] of Map.groupBy(plan.texts, ([day]) => day)) {
    // Each text once per organization and day, while the day has fewer than the cap (checked once per
    // statement: a batch may pass it by its own texts).
    statements.push(
      db
        .prepare(
          `WITH kept AS (SELECT count(*) AS n FROM (SELECT 1 FROM anonymous_texts WHERE org = ?1 AND day = ?2
             LIMIT ${ANONYMOUS_TEXTS_PER_DAY}))
           INSERT OR IGNORE INTO anonymous_texts (org, day, key, text)
           SELECT ?1, ?2, t.value ->> 0, t.value ->> 1 FROM json_each(?3) t, kept WHERE kept.n < ${ANONYMOUS_TEXTS_PER_DAY}`,
        )
        .bind(org, day, json(texts.map(([, key, text]) => [key, text]))),
    );
  }
  if (plan.erased.length > 0) {
    statements.push(
      db
        .prepare("INSERT OR IGNORE INTO late_erasures (org, visitor) SELECT ?1, value FROM json_each(?2)")
        .bind(org, json(plan.erased)),
    );
  }
  if (plan.charges.length > 0) {
    statements.push(
      db
        .prepare(
          `INSERT OR IGNORE INTO charges (org, at, event_id, visitor, type, period_start)
           SELECT ?1, c.value ->> 0, c.value ->> 1, c.value ->> 2, c.value ->> 3, c.value ->> 4 FROM json_each(?2) c`,
        )
        .bind(org, json(plan.charges.map((c) => [c.at, c.eventId, c.visitor, c.type, c.periodStart]))),
    );
  }
  return statements;
}

function deviceStatement(db: D1Database, table: string, org: number, devices: DeviceRow[]): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO ${table} (org, day, device, version, last, seen, visits, people)
       SELECT ?1, d.value ->> 0, d.value ->> 1, d.value ->> 2, d.value ->> 3, d.value ->> 4, d.value ->> 5, d.value ->> 6
       FROM json_each(?2) d WHERE true
       ON CONFLICT (day, org, device) DO UPDATE SET version = excluded.version, last = excluded.last,
         seen = excluded.seen, visits = excluded.visits, people = excluded.people`,
    )
    .bind(org, JSON.stringify(devices.map((d) => [d.day, d.device, d.version, d.last, d.seen, d.visits, d.people])));
}

/** Visitor columns written from a plan, in the order of each row's JSON array. */
const VISITOR_COLUMNS = [
  "id",
  "type",
  "first_seen",
  "last_seen",
  "sessions",
  "page_views",
  "engaged_seconds",
  "scroll_sum",
  "scroll_samples",
  "landing_page",
  "referrer",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "utm_term",
  "utm_content",
  "last_page",
  "device_type",
  "browser",
  "os",
  "country",
  "region",
  "city",
  "name",
  "domain",
  "industry",
  "employee_range",
  "revenue_range",
  "hq_country",
  "hq_region",
  "hq_city",
  "linkedin_url",
  "job_title",
  "email_domain",
  "company_domain",
  "location",
  "charged_period",
] as const;

/** What the latest hit sets; first touch (landing page, source) stays as the row was created. */
const LAST_TOUCH = ["device_type", "browser", "os"];
const SNAPSHOT = VISITOR_COLUMNS.slice(VISITOR_COLUMNS.indexOf("name"), VISITOR_COLUMNS.indexOf("charged_period"));

const UPSERT_VISITORS = `
  INSERT INTO visitors (org, ${VISITOR_COLUMNS.join(", ")})
  SELECT ?1, ${VISITOR_COLUMNS.map((_, i) => `r.value ->> ${i}`).join(", ")} FROM json_each(?2) r WHERE true
  ON CONFLICT (org, id) DO UPDATE SET
    first_seen = min(first_seen, excluded.first_seen),
    last_seen = max(last_seen, excluded.last_seen),
    sessions = sessions + excluded.sessions,
    page_views = page_views + excluded.page_views,
    engaged_seconds = engaged_seconds + excluded.engaged_seconds,
    scroll_sum = scroll_sum + excluded.scroll_sum,
    scroll_samples = scroll_samples + excluded.scroll_samples,
    last_page = CASE WHEN excluded.last_seen >= last_seen THEN coalesce(excluded.last_page, last_page) ELSE last_page END,
    ${LAST_TOUCH.map((c) => `${c} = CASE WHEN excluded.last_seen >= last_seen THEN excluded.${c} ELSE ${c} END`).join(", ")},
    ${["country", "region", "city"].map((c) => `${c} = CASE WHEN excluded.last_seen >= last_seen THEN coalesce(excluded.${c}, ${c}) ELSE ${c} END`).join(", ")},
    ${SNAPSHOT.map((c) => `${c} = excluded.${c}`).join(", ")},
    charged_period = max(coalesce(charged_period, 0), coalesce(excluded.charged_period, 0))`;

function visitorStatements(db: D1Database, plan: OrganizationPlan): D1PreparedStatement[] {
  const rows = plan.visitors.map((v) => [
    v.id,
    v.type,
    v.firstSeen,
    v.lastSeen,
    v.sessions,
    v.pageViews,
    v.engagedSeconds,
    v.scrollSum,
    v.scrollSamples,
    v.source?.landing ?? null,
    v.source?.referrer ?? null,
    ...(v.source?.utm ?? [null, null, null, null, null]),
    v.lastPage,
    v.deviceType,
    v.browser,
    v.os,
    v.country,
    v.region,
    v.city,
    v.profile.name,
    v.profile.domain,
    v.profile.industry,
    v.profile.employeeRange,
    v.profile.revenueRange,
    v.profile.country,
    v.profile.region,
    v.profile.city,
    v.profile.linkedinUrl,
    v.profile.jobTitle,
    v.profile.emailDomain,
    v.profile.companyDomain,
    v.profile.location,
    v.chargedPeriod,
  ]);
  const statements = [db.prepare(UPSERT_VISITORS).bind(plan.key, JSON.stringify(rows))];
  const indexed = plan.visitors.filter((v) => v.searchChanged);
  if (indexed.length > 0) {
    const documents = JSON.stringify(indexed.map((v) => [v.id, searchDocument(plan.key, v.profile)]));
    const seqs = `SELECT v.seq FROM json_each(?2) d CROSS JOIN visitors v ON v.org = ?1 AND v.id = d.value ->> 0`;
    statements.push(
      db.prepare(`DELETE FROM visitor_search WHERE rowid IN (${seqs})`).bind(plan.key, documents),
      db
        .prepare(
          `INSERT INTO visitor_search (rowid, terms)
           SELECT v.seq, d.value ->> 1 FROM json_each(?2) d CROSS JOIN visitors v ON v.org = ?1 AND v.id = d.value ->> 0`,
        )
        .bind(plan.key, documents),
    );
  }
  if (plan.newVisitors > 0) {
    statements.push(
      db.prepare("UPDATE organization_keys SET visitors = visitors + ? WHERE key = ?").bind(plan.newVisitors, plan.key),
    );
  }
  return statements;
}

/**
 * H3: the address rows a plan reserves before its counter call (people-limits.ts), guarded like the
 * plan's own write: nothing is written when one of them moved past the version the plan read, or
 * (N3) one of the people is suppressed by now, so a person erased meanwhile is not charged.
 */
export function reservationStatements(
  db: D1Database,
  org: number,
  addresses: AddressState[],
  people: [string, string][],
): D1PreparedStatement[] {
  const rows = JSON.stringify(addresses.map((a) => [a.day, a.address, a.version, a.people.join("")]));
  return [
    db
      .prepare(
        `INSERT INTO write_guard (ok) SELECT 0 WHERE EXISTS (SELECT 1 FROM json_each(?2) j
           LEFT JOIN address_days a ON a.org = ?1 AND a.day = j.value ->> 0 AND a.address = j.value ->> 1
           WHERE coalesce(a.version, 0) != j.value ->> 2)
         OR EXISTS (SELECT 1 FROM json_each(?3) j
           CROSS JOIN suppressions s ON s.partner_id = j.value ->> 0 AND s.email_sha256 = j.value ->> 1)`,
      )
      .bind(org, rows, JSON.stringify(people)),
    db
      .prepare(
        `INSERT INTO address_days (day, org, address, version, people)
         SELECT j.value ->> 0, ?1, j.value ->> 1, (j.value ->> 2) + 1, j.value ->> 3 FROM json_each(?2) j WHERE true
         ON CONFLICT (day, org, address) DO UPDATE SET version = excluded.version, people = excluded.people`,
      )
      .bind(org, rows),
  ];
}

/** A batch refused by its guard: what the plan read has changed, so it must be made again. */
export function isConflict(error: unknown): boolean {
  return String(error).includes("CHECK constraint failed: ok = 1");
}
