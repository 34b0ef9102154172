import { endBound, startBound, unixSeconds } from "../../lib/time";
import {
  companyOf,
  isoOf,
  ORGANIZATION_KEY,
  personOf,
  publicVisitorId,
  type IdentityRow,
} from "../../visitors/identity";
import { matchesFew, organizationCondition, searchCondition, searchPattern } from "../../visitors/search";
import type { FeedCursor } from "./cursor";
import type { FeedFilter } from "./filters";

/** How many of the most recently seen visitors suggest values for the industry and country filters. */
const FACET_SAMPLE = 500;
/** Rows per read while exporting: each is one indexed range read, so memory stays flat. */
export const EXPORT_CHUNK = 500;

interface FeedRowData extends IdentityRow {
  seq: number;
  id: string;
  first_seen: number;
  last_seen: number;
  sessions: number;
  page_views: number;
  engaged_seconds: number;
  landing_page: string | null;
  referrer: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  country: string | null;
  icp_matched: number;
  icp_score: number;
  icp_config_name: string | null;
}

/** One company (or person) of the feed, as the page and the CSV show it. */
export function toFeedRow(row: FeedRowData) {
  const company = companyOf(row);
  const person = personOf(row);
  return {
    id: publicVisitorId(row.id),
    seq: row.seq,
    type: row.type,
    name: company?.name ?? person?.name ?? "Unknown",
    domain: company?.domain ?? person?.emailDomain ?? null,
    industry: company?.industry ?? null,
    employeeRange: company?.employeeRange ?? null,
    country: company?.country ?? row.country,
    icp: { matched: row.icp_matched === 1, score: row.icp_score, profile: row.icp_config_name },
    firstSeenAt: isoOf(row.first_seen),
    lastSeenAt: isoOf(row.last_seen),
    lastSeen: row.last_seen,
    sessions: row.sessions,
    pageViews: row.page_views,
    totalTimeSeconds: row.engaged_seconds,
    landingPage: row.landing_page,
    referrer: row.referrer,
    utm: { source: row.utm_source, medium: row.utm_medium, campaign: row.utm_campaign },
  };
}

export type FeedRow = ReturnType<typeof toFeedRow>;

/** Whether the search index should lead the feed's read: a search that matches few visitors. */
async function searchLeads(db: D1Database, organizationId: string, filter: FeedFilter): Promise<boolean> {
  const pattern = filter.search ? searchPattern(filter.search) : null;
  return pattern !== null && (await matchesFew(db, pattern, organizationId));
}

function whereOf(organizationId: string, filter: FeedFilter, after: FeedCursor | null, leadWithSearch: boolean) {
  const conditions: [string, unknown[]][] = [
    [organizationCondition(ORGANIZATION_KEY, leadWithSearch), [organizationId]],
  ];
  // Served by visitors_by_icp (org, last_seen DESC) WHERE icp_matched = 1.
  if (filter.icp) conditions.push(["v.icp_matched = 1", []]);
  if (filter.from) conditions.push(["v.last_seen >= ?", [unixSeconds(Date.parse(startBound(filter.from)))]]);
  if (filter.to) conditions.push(["v.last_seen <= ?", [unixSeconds(Date.parse(endBound(filter.to)))]]);
  if (after) {
    conditions.push([
      "v.last_seen <= ? AND (v.last_seen < ? OR v.seq > ?)",
      [after.lastSeen, after.lastSeen, after.seq],
    ]);
  }
  if (filter.industry) conditions.push(["lower(v.industry) = lower(?)", [filter.industry]]);
  if (filter.employees) conditions.push(["v.employee_range = ?", [filter.employees]]);
  if (filter.country) conditions.push(["coalesce(v.hq_country, v.country) = ?", [filter.country]]);
  if (filter.search) {
    const pattern = searchPattern(filter.search);
    conditions.push(pattern ? [searchCondition(ORGANIZATION_KEY), [pattern, organizationId]] : ["false", []]);
  }
  return {
    clause: `WHERE ${conditions.map(([sql]) => sql).join(" AND ")}`,
    params: conditions.flatMap(([, values]) => values),
  };
}

function feedStatement(
  db: D1Database,
  organizationId: string,
  filter: FeedFilter,
  after: FeedCursor | null,
  limit: number,
  leadWithSearch: boolean,
) {
  const { clause, params } = whereOf(organizationId, filter, after, leadWithSearch);
  return db
    .prepare(
      `SELECT v.seq, v.id, v.type, v.first_seen, v.last_seen, v.sessions, v.page_views, v.engaged_seconds,
         v.landing_page, v.referrer, v.utm_source, v.utm_medium, v.utm_campaign, v.country, v.icp_matched,
         v.icp_score, ic.name AS icp_config_name, v.name, v.domain, v.industry, v.employee_range, v.revenue_range,
         v.hq_country, v.hq_region, v.hq_city, v.linkedin_url, v.job_title, v.email_domain, v.company_domain,
         v.location
       FROM visitors v LEFT JOIN icp_configs ic ON ic.id = v.icp_config_id
       ${clause}
       ORDER BY v.last_seen DESC, v.seq LIMIT ?`,
    )
    .bind(...params, limit);
}

/** Up to `limit` rows after the cursor, most recently seen first (a keyset read: any depth costs the same). */
export async function feedRows(
  db: D1Database,
  organizationId: string,
  filter: FeedFilter,
  after: FeedCursor | null,
  limit: number,
): Promise<FeedRow[]> {
  const leads = await searchLeads(db, organizationId, filter);
  const { results } = await feedStatement(db, organizationId, filter, after, limit, leads).all<FeedRowData>();
  return results.map(toFeedRow);
}

/**
 * What the feed page shows, in one round trip to D1: a page of rows and the cursor of the next
 * one (null on the last page), the filter suggestions, and the organization's visitor count (the
 * consumer's running count, shown above the unfiltered feed).
 */
export async function feedView(
  db: D1Database,
  organizationId: string,
  o: { filter: FeedFilter; after: FeedCursor | null; pageSize: number; rows: boolean },
) {
  const leads = await searchLeads(db, organizationId, o.filter);
  const [rows, suggestions, total] = await db.batch<Record<string, unknown>>([
    feedStatement(db, organizationId, o.filter, o.after, o.rows ? o.pageSize + 1 : 0, leads),
    db
      .prepare(
        `WITH recent AS (SELECT industry, coalesce(hq_country, country) AS country FROM visitors
           WHERE org = ${ORGANIZATION_KEY} ORDER BY last_seen DESC LIMIT ?)
         SELECT DISTINCT industry, country FROM recent`,
      )
      .bind(organizationId, FACET_SAMPLE),
    db.prepare("SELECT visitors FROM organization_keys WHERE organization_id = ?").bind(organizationId),
  ]);
  const found = (rows!.results as unknown as FeedRowData[]).map(toFeedRow);
  const page = found.slice(0, o.pageSize);
  const last = page.at(-1);
  const facets = suggestions!.results as { industry: string | null; country: string | null }[];
  const sorted = (values: (string | null)[]) =>
    [...new Set(values.filter((v): v is string => !!v))].sort((a, b) => a.localeCompare(b));
  return {
    rows: page,
    next: found.length > o.pageSize && last ? { lastSeen: last.lastSeen, seq: last.seq } : null,
    suggestions: { industries: sorted(facets.map((f) => f.industry)), countries: sorted(facets.map((f) => f.country)) },
    total: (total!.results[0] as { visitors: number } | undefined)?.visitors ?? 0,
  };
}

/** Every row matching the filter, in feed order, read chunk by chunk. */
export async function* allFeedRows(db: D1Database, organizationId: string, filter: FeedFilter) {
  let after: FeedCursor | null = null;
  for (;;) {
    const rows = await feedRows(db, organizationId, filter, after, EXPORT_CHUNK);
    yield* rows;
    const last = rows.at(-1);
    if (rows.length < EXPORT_CHUNK || !last) return;
    after = { lastSeen: last.lastSeen, seq: last.seq };
  }
}
