import type { z } from "@hono/zod-openapi";
import { averageScroll, companyOf, isoOf, personOf, publicVisitorId } from "../../visitors/identity";
import {
  encodeVisitorCursor,
  listVisitors,
  type ListedVisitorRow,
  type VisitorCursor,
  type VisitorQuery,
} from "../../visitors/list";
import type { VisitorSchema } from "./schemas";

export function toVisitor(row: ListedVisitorRow, topPages: TopPage[]): z.infer<typeof VisitorSchema> {
  return {
    id: publicVisitorId(row.id),
    type: row.type,
    firstSeenAt: isoOf(row.first_seen),
    lastSeenAt: isoOf(row.last_seen),
    company: companyOf(row),
    person: personOf(row),
    // Computed off the request path (worker/icp/rescore.ts), stored on the visitor.
    icp: {
      matched: row.icp_matched === 1,
      score: row.icp_score,
      configId: row.icp_config_id,
      configName: row.icp_config_name,
    },
    engagement: {
      sessions: row.sessions,
      pageViews: row.page_views,
      totalTimeSeconds: row.engaged_seconds,
      avgScrollDepth: averageScroll(row),
    },
    pages: { landingPage: row.landing_page, lastPage: row.last_page, topPages },
    source: {
      referrer: row.referrer,
      utmSource: row.utm_source,
      utmMedium: row.utm_medium,
      utmCampaign: row.utm_campaign,
      utmTerm: row.utm_term,
      utmContent: row.utm_content,
    },
    device: { type: row.device_type, browser: row.browser, os: row.os },
    location: { country: row.country, region: row.region, city: row.city },
  };
}

/** Pages shown per visitor in the list. */
const TOP_PAGES = 5;

type TopPage = { path: string; views: number };

/** The most viewed pages of each visitor (within the retention window), by visitor seq. */
export async function topPagesOf(db: D1Database, visitorSeqs: number[]) {
  const result = new Map<number, TopPage[]>();
  if (visitorSeqs.length === 0) return result;
  const { results } = await db
    .prepare(
      `SELECT visitor, path, views FROM (
         SELECT visitor, path, count(*) AS views,
           row_number() OVER (PARTITION BY visitor ORDER BY count(*) DESC, path) AS rank
         FROM page_views WHERE visitor IN (SELECT value FROM json_each(?)) GROUP BY visitor, path)
       WHERE rank <= ? ORDER BY visitor, rank`,
    )
    .bind(JSON.stringify(visitorSeqs), TOP_PAGES)
    .all<{ visitor: number; path: string; views: number }>();
  for (const r of results) {
    const list = result.get(r.visitor) ?? [];
    list.push({ path: r.path, views: r.views });
    result.set(r.visitor, list);
  }
  return result;
}

/**
 * A page of the visitors list as the API answers it: the visitors with their top pages, the total
 * (the organization's running count unfiltered, else the matches up to COUNT_LIMIT) and the next cursor.
 */
export async function visitorsPage(
  db: D1Database,
  organizationId: string,
  query: VisitorQuery,
  paging: { after: VisitorCursor | null; pageSize: number; offset: number },
) {
  const found = await listVisitors(db, organizationId, query, {
    after: paging.after,
    limit: paging.pageSize,
    offset: paging.offset,
    counted: true,
  });
  const topPages = await topPagesOf(
    db,
    found.rows.map((v) => v.seq),
  );
  return {
    visitors: found.rows.map((v) => toVisitor(v, topPages.get(v.seq) ?? [])),
    total: found.total ?? 0,
    nextCursor: found.next ? encodeVisitorCursor(found.next) : null,
  };
}
