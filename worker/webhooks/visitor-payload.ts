import type { z } from "@hono/zod-openapi";
import { companyOf, ORGANIZATION_KEY, personOf, sessionId, visitorRef, type VisitorRow } from "../visitors/identity";
import type { VisitorIdentifiedFields } from "./payloads";

/** The session of the identifying hit, beside the visitor's own columns. */
interface SessionColumns {
  session_start: number | null;
  session_landing_page: string | null;
  session_page_views: number | null;
  session_referrer: string | null;
  session_utm_source: string | null;
  session_utm_medium: string | null;
  session_utm_campaign: string | null;
  session_utm_term: string | null;
  session_utm_content: string | null;
  session_device_type: string | null;
}

export type VisitorPayload = Omit<z.infer<typeof VisitorIdentifiedFields>, "organizationId" | "externalId">;

/** What a `visitor.identified` event recorded when it was emitted (worker/collect/hit-events.ts). */
export interface VisitorReference {
  organizationId: string;
  visitorId: string;
  sessionStart: number;
}

/**
 * The `visitor.identified` fields of a charged hit, from what the hits consumer stored: the
 * visitor (with its company or person) and the hit's session, or the visitor's latest one when
 * that session is gone. Null while the visitor is not stored yet.
 */
export async function visitorFields(db: D1Database, ref: VisitorReference): Promise<VisitorPayload | null> {
  const row = await db
    .prepare(
      `SELECT v.*, s.start AS session_start, s.landing_page AS session_landing_page, s.page_views AS session_page_views,
         s.referrer AS session_referrer, s.utm_source AS session_utm_source, s.utm_medium AS session_utm_medium,
         s.utm_campaign AS session_utm_campaign, s.utm_term AS session_utm_term, s.utm_content AS session_utm_content,
         s.device_type AS session_device_type
       FROM visitors v
       LEFT JOIN sessions s ON s.visitor = v.seq AND s.start = coalesce(
         (SELECT start FROM sessions WHERE visitor = v.seq AND start = ?),
         (SELECT max(start) FROM sessions WHERE visitor = v.seq))
       WHERE v.org = ${ORGANIZATION_KEY} AND v.id = ?`,
    )
    .bind(ref.sessionStart, ref.organizationId, ref.visitorId)
    .first<VisitorRow & SessionColumns>();
  if (!row) return null;
  return {
    visitor: visitorRef(row),
    company: companyOf(row),
    person: personOf(row),
    session:
      row.session_start === null
        ? null
        : {
            id: sessionId(row.id, row.session_start),
            landingPage: row.session_landing_page,
            pagesVisited: row.session_page_views,
            referrer: row.session_referrer,
            utmSource: row.session_utm_source,
            utmMedium: row.session_utm_medium,
            utmCampaign: row.session_utm_campaign,
            utmTerm: row.session_utm_term,
            utmContent: row.session_utm_content,
            deviceType: row.session_device_type,
          },
  };
}
