import type { z } from "@hono/zod-openapi";
import { IDENTITY_COLUMNS, IDENTITY_JOINS, companyOf, personOf, type VisitorRow } from "../../visitors/identity";
import type { VisitorSchema } from "./schemas";

/** A visitor with its identity and the name of the ICP config it matched. */
export type ListedVisitorRow = VisitorRow & { icp_config_name: string | null };

export const SELECT_VISITOR = `
  SELECT v.*, ${IDENTITY_COLUMNS}, ic.name AS icp_config_name
  FROM visitors v ${IDENTITY_JOINS}
  LEFT JOIN icp_configs ic ON ic.id = v.icp_config_id`;

export function toVisitor(row: ListedVisitorRow, topPages: TopPage[]): z.infer<typeof VisitorSchema> {
  return {
    id: row.id,
    type: row.type,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
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
      totalTimeSeconds: row.total_time_seconds,
      avgScrollDepth: row.scroll_depth_samples > 0 ? Math.round(row.scroll_depth_sum / row.scroll_depth_samples) : 0,
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

/** The most viewed pages of each visitor, by visitor id. */
export async function topPagesOf(db: D1Database, visitorIds: string[]) {
  const result = new Map<string, TopPage[]>();
  if (visitorIds.length === 0) return result;
  const { results } = await db
    .prepare(
      `SELECT visitor_id, path, views FROM (
         SELECT visitor_id, path, views,
           row_number() OVER (PARTITION BY visitor_id ORDER BY views DESC, path) AS rank
         FROM visitor_pages WHERE visitor_id IN (SELECT value FROM json_each(?)))
       WHERE rank <= ?`,
    )
    .bind(JSON.stringify(visitorIds), TOP_PAGES)
    .all<{ visitor_id: string; path: string; views: number }>();
  for (const r of results) {
    const list = result.get(r.visitor_id) ?? [];
    list.push({ path: r.path, views: r.views });
    result.set(r.visitor_id, list);
  }
  return result;
}
