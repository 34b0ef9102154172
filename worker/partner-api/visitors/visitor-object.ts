/** A visitors row joined with its company or person, as the list query returns it. */
export interface VisitorRow {
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
  icp_matched: number;
  icp_score: number;
  icp_config_id: string | null;
  icp_config_name: string | null;
}

export const SELECT_VISITOR = `
  SELECT v.*, c.name AS company_name, c.domain AS company_domain, c.industry AS company_industry,
    c.employee_range AS company_employee_range, c.revenue_range AS company_revenue_range,
    c.country AS company_country, c.region AS company_region, c.city AS company_city,
    c.linkedin_url AS company_linkedin_url, pe.name AS person_name, pe.job_title AS person_job_title,
    pe.email_domain AS person_email_domain, pe.linkedin_url AS person_linkedin_url, pe.location AS person_location,
    ic.name AS icp_config_name
  FROM visitors v
  LEFT JOIN companies c ON c.id = v.company_id
  LEFT JOIN people pe ON pe.email_sha256 = v.person_sha256
  LEFT JOIN icp_configs ic ON ic.id = v.icp_config_id`;

export function toVisitor(row: VisitorRow, topPages: { path: string; views: number }[]) {
  return {
    id: row.id,
    type: row.type,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    company:
      row.type === "company" && row.company_name !== null
        ? {
            name: row.company_name,
            domain: row.company_domain ?? "",
            industry: row.company_industry,
            employeeRange: row.company_employee_range,
            revenueRange: row.company_revenue_range,
            country: row.company_country,
            region: row.company_region,
            city: row.company_city,
            linkedinUrl: row.company_linkedin_url,
          }
        : null,
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
    // Computed off the request path (worker/icp/rescore.ts), stored on the visitor.
    icp: { matched: row.icp_matched === 1, score: row.icp_score, configId: row.icp_config_id, configName: row.icp_config_name },
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
