import {
  averageScroll,
  companyOf,
  isoOf,
  ORGANIZATION_KEY,
  personOf,
  publicVisitorId,
  sessionId,
  storedVisitorId,
  type SessionRow,
  type VisitorRow,
} from "../../visitors/identity";

/** Sessions shown on a company's page, newest first. */
export const STORY_SESSIONS = 30;

/** The visitor's row as the company page reads it, with its ICP configuration's name and groups. */
type StoryRow = VisitorRow & { icp_config_name: string | null; icp_config_groups: string | null };

interface PageRow {
  session: number;
  path: string;
  at: number;
  engaged_seconds: number;
  scroll_depth: number | null;
}

export interface IcpCondition {
  type: string;
  comparator: string;
  value: unknown;
  optional?: boolean;
}

/** Everything known about one identified company (or person) of the organization; null when it has none by that id. */
export async function companyStory(db: D1Database, organizationId: string, visitorId: string) {
  const id = storedVisitorId(visitorId);
  if (!id) return null;
  const row = await db
    .prepare(
      `SELECT v.*, ic.name AS icp_config_name, ic.groups AS icp_config_groups
       FROM visitors v LEFT JOIN icp_configs ic ON ic.id = v.icp_config_id
       WHERE v.org = ${ORGANIZATION_KEY} AND v.id = ?`,
    )
    .bind(organizationId, id)
    .first<StoryRow>();
  if (!row) return null;
  // The latest sessions and every page of them, the ones before the visitor was identified included.
  const [sessionRows, pageRows] = await db.batch<SessionRow | PageRow>([
    db
      .prepare(
        `SELECT start, last_seen, page_views, landing_page, referrer, utm_source, utm_medium, utm_campaign, utm_term,
           utm_content
         FROM sessions WHERE visitor = ? ORDER BY start DESC LIMIT ?`,
      )
      .bind(row.seq, STORY_SESSIONS),
    db
      .prepare(
        `SELECT session, path, at, engaged_seconds, scroll_depth FROM page_views
         WHERE visitor = ?1 AND session >= (SELECT coalesce(min(start), 0) FROM
           (SELECT start FROM sessions WHERE visitor = ?1 ORDER BY start DESC LIMIT ?2))
         ORDER BY session, at, key`,
      )
      .bind(row.seq, STORY_SESSIONS),
  ]);
  const sessions = sessionRows!.results as SessionRow[];
  const pagesBySession = Map.groupBy(pageRows!.results as PageRow[], (p) => p.session);
  return {
    id: publicVisitorId(row.id),
    type: row.type,
    company: companyOf(row),
    person: personOf(row),
    icp: {
      matched: row.icp_matched === 1,
      score: row.icp_score,
      profile: row.icp_config_name,
      conditions: row.icp_config_groups ? conditionsOf(row.icp_config_groups) : [],
    },
    firstSeenAt: isoOf(row.first_seen),
    lastSeenAt: isoOf(row.last_seen),
    totals: {
      sessions: row.sessions,
      pageViews: row.page_views,
      totalTimeSeconds: row.engaged_seconds,
      avgScrollDepth: averageScroll(row),
    },
    location: { country: row.country, region: row.region, city: row.city },
    device: { type: row.device_type, browser: row.browser, os: row.os },
    sessions: sessions.map((s) => ({
      id: sessionId(row.id, s.start),
      startedAt: isoOf(s.start),
      lastSeenAt: isoOf(s.last_seen),
      landingPage: s.landing_page,
      referrer: s.referrer,
      utm: {
        source: s.utm_source,
        medium: s.utm_medium,
        campaign: s.utm_campaign,
        term: s.utm_term,
        content: s.utm_content,
      },
      pages: (pagesBySession.get(s.start) ?? []).map((p) => ({
        path: p.path,
        at: isoOf(s.start + p.at),
        engagedSeconds: p.engaged_seconds,
        scrollDepth: p.scroll_depth ?? 0,
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
