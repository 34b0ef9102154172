import { companyOf, IDENTITY_COLUMNS, IDENTITY_JOINS, personOf, type IdentityRow } from "../../visitors/identity";

/** Sessions shown on a company's page, newest first. */
export const STORY_SESSIONS = 30;

interface StoryRow extends IdentityRow {
  id: string;
  first_seen_at: string;
  last_seen_at: string;
  sessions: number;
  page_views: number;
  total_time_seconds: number;
  scroll_depth_sum: number;
  scroll_depth_samples: number;
  country: string | null;
  region: string | null;
  city: string | null;
  device_type: string | null;
  browser: string | null;
  os: string | null;
  icp_matched: number;
  icp_score: number;
  icp_config_name: string | null;
  icp_config_groups: string | null;
}

interface SessionRow {
  id: string;
  started_at: string;
  last_seen_at: string;
  page_views: number;
  landing_page: string | null;
  referrer: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
}

interface PageRow {
  session_id: string;
  path: string;
  occurred_at: string;
  engaged_seconds: number;
  scroll_depth: number;
}

export interface IcpCondition {
  type: string;
  comparator: string;
  value: unknown;
  optional?: boolean;
}

/** Everything known about one identified company (or person) of the organization; null when it has none by that id. */
export async function companyStory(db: D1Database, organizationId: string, visitorId: string) {
  const row = await db
    .prepare(
      `SELECT v.*, ${IDENTITY_COLUMNS}, ic.name AS icp_config_name, ic.groups AS icp_config_groups
       FROM visitors v ${IDENTITY_JOINS}
       LEFT JOIN icp_configs ic ON ic.id = v.icp_config_id
       WHERE v.id = ? AND v.organization_id = ?`,
    )
    .bind(visitorId, organizationId)
    .first<StoryRow>();
  if (!row) return null;
  const { results: sessions } = await db
    .prepare(
      `SELECT id, started_at, last_seen_at, page_views, landing_page, referrer, utm_source, utm_medium, utm_campaign,
         utm_term, utm_content
       FROM sessions WHERE visitor_id = ? AND organization_id = ? ORDER BY started_at DESC LIMIT ?`,
    )
    .bind(visitorId, organizationId, STORY_SESSIONS)
    .all<SessionRow>();
  // Every page of those sessions, the ones before the visitor was identified included.
  const { results: pages } = await db
    .prepare(
      `SELECT session_id, path, occurred_at, engaged_seconds, scroll_depth FROM page_views
       WHERE session_id IN (SELECT value FROM json_each(?)) AND organization_id = ? AND is_bot = 0
       ORDER BY occurred_at, event_id`,
    )
    .bind(JSON.stringify(sessions.map((s) => s.id)), organizationId)
    .all<PageRow>();
  const pagesBySession = Map.groupBy(pages, (p) => p.session_id);
  return {
    id: row.id,
    type: row.type,
    company: companyOf(row),
    person: personOf(row),
    icp: {
      matched: row.icp_matched === 1,
      score: row.icp_score,
      profile: row.icp_config_name,
      conditions: row.icp_config_groups ? conditionsOf(row.icp_config_groups) : [],
    },
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    totals: {
      sessions: row.sessions,
      pageViews: row.page_views,
      totalTimeSeconds: row.total_time_seconds,
      avgScrollDepth: row.scroll_depth_samples > 0 ? Math.round(row.scroll_depth_sum / row.scroll_depth_samples) : 0,
    },
    location: { country: row.country, region: row.region, city: row.city },
    device: { type: row.device_type, browser: row.browser, os: row.os },
    sessions: sessions.map((s) => ({
      id: s.id,
      startedAt: s.started_at,
      lastSeenAt: s.last_seen_at,
      landingPage: s.landing_page,
      referrer: s.referrer,
      utm: {
        source: s.utm_source,
        medium: s.utm_medium,
        campaign: s.utm_campaign,
        term: s.utm_term,
        content: s.utm_content,
      },
      pages: (pagesBySession.get(s.id) ?? []).map((p) => ({
        path: p.path,
        at: p.occurred_at,
        engagedSeconds: p.engaged_seconds,
        scrollDepth: p.scroll_depth,
      })),
    })),
  };
}

export type CompanyStory = NonNullable<Awaited<ReturnType<typeof companyStory>>>;

/** The matched profile's conditions, flattened from its groups (as stored from the API object). */
function conditionsOf(groups: string): (IcpCondition & { group: number; operator: string })[] {
  const parsed = JSON.parse(groups) as { operator: string; conditions: IcpCondition[] }[];
  return parsed.flatMap((g, group) => g.conditions.map((c) => ({ ...c, group, operator: g.operator })));
}
