import { IDENTITY_COLUMNS, IDENTITY_JOINS, companyOf, personOf, type IdentityRow } from "../../visitors/identity";

/** A visitors row joined with its company or person, as the list query returns it. */
export interface VisitorRow extends IdentityRow {
  id: string;
  type: "company" | "person";
  first_seen_at: string;
  last_seen_at: string;
  sessions: number;
  page_views: number;
  total_time_seconds: number;
  scroll_depth_sum: number;
  scroll_depth_samples: number;
  landing_page: string | null;
  last_page: string | null;
  referrer: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  device_type: string | null;
  browser: string | null;
  os: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  icp_matched: number;
  icp_score: number;
  icp_config_id: string | null;
  icp_config_name: string | null;
}

export const SELECT_VISITOR = `
  SELECT v.*, ${IDENTITY_COLUMNS}, ic.name AS icp_config_name
  FROM visitors v ${IDENTITY_JOINS}
  LEFT JOIN icp_configs ic ON ic.id = v.icp_config_id`;

export function toVisitor(row: VisitorRow, topPages: { path: string; views: number }[]) {
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
