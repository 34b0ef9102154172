import type { z } from "@hono/zod-openapi";
import type { IdentityType } from "../../shared/billing";
import type { CompanySchema, PersonSchema } from "./schemas";

/**
 * A visitor and who it is (its company or person): one row type and one projection for the
 * visitors list, the `visitor.identified` webhook and ICP scoring, so they never drift apart.
 */

/** Columns of `companies c` and `people pe`, aliased as `IdentityRow` names. */
export const IDENTITY_COLUMNS = `
  c.name AS company_name, c.domain AS company_domain, c.industry AS company_industry,
  c.employee_range AS company_employee_range, c.revenue_range AS company_revenue_range,
  c.country AS company_country, c.region AS company_region, c.city AS company_city,
  c.linkedin_url AS company_linkedin_url, pe.name AS person_name, pe.job_title AS person_job_title,
  pe.email_domain AS person_email_domain, pe.linkedin_url AS person_linkedin_url, pe.location AS person_location,
  pe.company_domain AS person_company_domain`;

/** Joins of a visitors table aliased `v` to its company and person. */
export const IDENTITY_JOINS = `
  LEFT JOIN companies c ON c.id = v.company_id
  LEFT JOIN people pe ON pe.email_sha256 = v.person_sha256`;

export interface IdentityRow {
  type: IdentityType;
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
  person_company_domain: string | null;
}

/** A `visitors` row (`v.*`) with its identity columns. */
export interface VisitorRow extends IdentityRow {
  id: string;
  organization_id: string;
  identity_key: string;
  company_id: string | null;
  person_sha256: string | null;
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
}

export function companyOf(row: IdentityRow): z.infer<typeof CompanySchema> | null {
  if (row.type !== "company" || row.company_name === null) return null;
  return {
    name: row.company_name,
    domain: row.company_domain ?? "",
    industry: row.company_industry,
    employeeRange: row.company_employee_range,
    revenueRange: row.company_revenue_range,
    country: row.company_country,
    region: row.company_region,
    city: row.company_city,
    linkedinUrl: row.company_linkedin_url,
  };
}

export function personOf(row: IdentityRow): z.infer<typeof PersonSchema> | null {
  if (row.type !== "person") return null;
  return {
    name: row.person_name,
    jobTitle: row.person_job_title,
    emailDomain: row.person_email_domain,
    linkedinUrl: row.person_linkedin_url,
    location: row.person_location,
  };
}

/** The visitor itself, as the `visitor.identified` webhook names it. */
export const visitorRef = (row: VisitorRow) => ({
  id: row.id,
  type: row.type,
  firstSeenAt: row.first_seen_at,
  lastSeenAt: row.last_seen_at,
});
