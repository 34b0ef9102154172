import { IDENTITY_COLUMNS, IDENTITY_JOINS, companyOf, personOf, type IdentityRow } from "../visitors/identity";

interface Row extends IdentityRow {
  visitor_id: string;
  first_seen_at: string;
  last_seen_at: string;
  session_id: string | null;
  landing_page: string | null;
  pages_visited: number | null;
  referrer: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  device_type: string | null;
}

/**
 * The `visitor.identified` fields of a charged hit, from what the hits consumer stored:
 * the receipt (by pixel event id) → visitor → company or person, and the session of the hit
 * (its page view's, or the visitor's latest for an `identify` call). Null while not stored yet.
 */
export async function visitorFields(db: D1Database, hitEventId: string) {
  const row = await db
    .prepare(
      `SELECT v.id AS visitor_id, v.type, v.first_seen_at, v.last_seen_at, v.device_type,
         ${IDENTITY_COLUMNS},
         s.id AS session_id, s.landing_page, s.page_views AS pages_visited, s.referrer, s.utm_source, s.utm_medium,
         s.utm_campaign, s.utm_term, s.utm_content
       FROM identifications i
       JOIN visitors v ON v.id = i.visitor_id ${IDENTITY_JOINS}
       LEFT JOIN sessions s ON s.id = coalesce(
         (SELECT session_id FROM page_views WHERE event_id = i.event_id),
         (SELECT id FROM sessions WHERE visitor_id = v.id ORDER BY last_seen_at DESC LIMIT 1))
       WHERE i.event_id = ?`,
    )
    .bind(hitEventId)
    .first<Row>();
  if (!row) return null;
  return {
    visitor: { id: row.visitor_id, type: row.type, firstSeenAt: row.first_seen_at, lastSeenAt: row.last_seen_at },
    company: companyOf(row),
    person: personOf(row),
    session:
      row.session_id === null
        ? null
        : {
            id: row.session_id,
            landingPage: row.landing_page,
            pagesVisited: row.pages_visited,
            referrer: row.referrer,
            utmSource: row.utm_source,
            utmMedium: row.utm_medium,
            utmCampaign: row.utm_campaign,
            utmTerm: row.utm_term,
            utmContent: row.utm_content,
            deviceType: row.device_type,
          },
  };
}
