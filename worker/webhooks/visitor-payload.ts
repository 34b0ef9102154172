import type { z } from "@hono/zod-openapi";
import {
  IDENTITY_COLUMNS,
  IDENTITY_JOINS,
  companyOf,
  personOf,
  visitorRef,
  type VisitorRow,
} from "../visitors/identity";
import type { VisitorIdentifiedFields } from "./payloads";

/** The session of the identifying hit, beside the visitor's own columns. */
interface SessionColumns {
  session_id: string | null;
  session_landing_page: string | null;
  session_page_views: number | null;
  session_referrer: string | null;
  session_utm_source: string | null;
  session_utm_medium: string | null;
  session_utm_campaign: string | null;
  session_utm_term: string | null;
  session_utm_content: string | null;
}

type VisitorPayload = Omit<z.infer<typeof VisitorIdentifiedFields>, "organizationId" | "externalId">;

/**
 * The `visitor.identified` fields of a charged hit, from what the hits consumer stored:
 * the receipt (by pixel event id) → visitor → company or person, and the session of the hit
 * (its page view's, or the visitor's latest for an `identify` call). Null while not stored yet.
 */
export async function visitorFields(db: D1Database, hitEventId: string): Promise<VisitorPayload | null> {
  const row = await db
    .prepare(
      `SELECT v.*, ${IDENTITY_COLUMNS},
         s.id AS session_id, s.landing_page AS session_landing_page, s.page_views AS session_page_views,
         s.referrer AS session_referrer, s.utm_source AS session_utm_source, s.utm_medium AS session_utm_medium,
         s.utm_campaign AS session_utm_campaign, s.utm_term AS session_utm_term, s.utm_content AS session_utm_content
       FROM identifications i
       JOIN visitors v ON v.id = i.visitor_id ${IDENTITY_JOINS}
       LEFT JOIN sessions s ON s.id = coalesce(
         (SELECT session_id FROM page_views WHERE event_id = i.event_id),
         (SELECT id FROM sessions WHERE visitor_id = v.id ORDER BY last_seen_at DESC LIMIT 1))
       WHERE i.event_id = ?`,
    )
    .bind(hitEventId)
    .first<VisitorRow & SessionColumns>();
  if (!row) return null;
  return {
    visitor: visitorRef(row),
    company: companyOf(row),
    person: personOf(row),
    session:
      row.session_id === null
        ? null
        : {
            id: row.session_id,
            landingPage: row.session_landing_page,
            pagesVisited: row.session_page_views,
            referrer: row.session_referrer,
            utmSource: row.session_utm_source,
            utmMedium: row.session_utm_medium,
            utmCampaign: row.session_utm_campaign,
            utmTerm: row.session_utm_term,
            utmContent: row.session_utm_content,
            deviceType: row.device_type,
          },
  };
}
