interface Row {
  visitor_id: string;
  type: "company" | "person";
  first_seen_at: string;
  last_seen_at: string;
  company_name: string | null;
  company_domain: string | null;
  company_industry: string | null;
  company_employee_range: string | null;
  company_revenue_range: string | null;
  company_country: string | null;
  company_region: string | null;
  company_city: string | null;
  company_linkedin_url: string | null;
  person_name: string | null;
  person_job_title: string | null;
  person_email_domain: string | null;
  person_linkedin_url: string | null;
  person_location: string | null;
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
         c.name AS company_name, c.domain AS company_domain, c.industry AS company_industry,
         c.employee_range AS company_employee_range, c.revenue_range AS company_revenue_range,
         c.country AS company_country, c.region AS company_region, c.city AS company_city,
         c.linkedin_url AS company_linkedin_url,
         pe.name AS person_name, pe.job_title AS person_job_title, pe.email_domain AS person_email_domain,
         pe.linkedin_url AS person_linkedin_url, pe.location AS person_location,
         s.id AS session_id, s.landing_page, s.page_views AS pages_visited, s.referrer, s.utm_source, s.utm_medium,
         s.utm_campaign, s.utm_term, s.utm_content
       FROM identifications i
       JOIN visitors v ON v.id = i.visitor_id
       LEFT JOIN companies c ON c.id = v.company_id
       LEFT JOIN people pe ON pe.email_sha256 = v.person_sha256
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
    company:
      row.company_name === null
        ? null
        : {
            name: row.company_name,
            domain: row.company_domain,
            industry: row.company_industry,
            employeeRange: row.company_employee_range,
            revenueRange: row.company_revenue_range,
            country: row.company_country,
            region: row.company_region,
            city: row.company_city,
            linkedinUrl: row.company_linkedin_url,
          },
    person:
      row.type === "person"
        ? {
            name: row.person_name,
            jobTitle: row.person_job_title,
            emailDomain: row.person_email_domain,
            linkedinUrl: row.person_linkedin_url,
            location: row.person_location,
          }
        : null,
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
