import { companyOf, isoOf, ORGANIZATION_KEY, personOf, publicVisitorId } from "../../visitors/identity";
import {
  allVisitors,
  listVisitors,
  pageOfRows,
  VisitorList,
  type ListedVisitorRow,
  type VisitorCursor,
  type VisitorQuery,
} from "../../visitors/list";

/** How many of the most recently seen visitors suggest values for the industry and country filters. */
const FACET_SAMPLE = 500;

/** One company (or person) of the feed, as the page and the CSV show it. */
export function toFeedRow(row: ListedVisitorRow) {
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

/**
 * What the feed page shows, in one round trip to D1 (after the search index's count, when it
 * searches): a page of rows and the cursor of the next one (null on the last page), the filter
 * suggestions, and the organization's visitor count (the consumer's running count, shown above the
 * unfiltered feed).
 */
export async function feedView(
  db: D1Database,
  organizationId: string,
  o: { query: VisitorQuery; after: VisitorCursor | null; pageSize: number; rows: boolean },
) {
  const list = await VisitorList.plan(db, organizationId, o.query);
  const [rows, suggestions, total] = await db.batch<Record<string, unknown>>([
    list.page({ after: o.after, limit: o.rows ? o.pageSize + 1 : 0 }),
    db
      .prepare(
        `WITH recent AS (SELECT industry, coalesce(hq_country, country) AS country FROM visitors
           WHERE org = ${ORGANIZATION_KEY} ORDER BY last_seen DESC LIMIT ?)
         SELECT DISTINCT industry, country FROM recent`,
      )
      .bind(organizationId, FACET_SAMPLE),
    db.prepare("SELECT visitors FROM organization_keys WHERE organization_id = ?").bind(organizationId),
  ]);
  const page = pageOfRows(rows!, o.pageSize);
  const facets = suggestions!.results as { industry: string | null; country: string | null }[];
  const sorted = (values: (string | null)[]) =>
    [...new Set(values.filter((v): v is string => !!v))].sort((a, b) => a.localeCompare(b));
  return {
    rows: page.rows.map(toFeedRow),
    next: page.next,
    suggestions: { industries: sorted(facets.map((f) => f.industry)), countries: sorted(facets.map((f) => f.country)) },
    total: (total!.results[0] as { visitors: number } | undefined)?.visitors ?? 0,
  };
}

/** Every row matching the query, in feed order, read chunk by chunk. */
export async function* allFeedRows(db: D1Database, organizationId: string, query: VisitorQuery) {
  for await (const row of allVisitors(db, organizationId, query)) yield toFeedRow(row);
}

/**
 * The `limit` visitors seen most recently since `from` (the overview's latest companies), read from
 * the one visitor list like the feed: what exclusions and suppressions kept out is not there either.
 */
export async function latestVisitors(db: D1Database, organizationId: string, from: string, limit: number) {
  const { rows } = await listVisitors(
    db,
    organizationId,
    { filters: [], from },
    { after: null, limit, counted: false },
  );
  return rows.map(toFeedRow);
}
