/**
 * Who a visitor is (its company or person), as the visitors list and the `visitor.identified`
 * webhook both show it: one projection, so the two never drift apart.
 */

/** Columns of `companies c` and `people pe`, aliased as `IdentityRow` names. */
export const IDENTITY_COLUMNS = `
  c.name AS company_name, c.domain AS company_domain, c.industry AS company_industry,
  c.employee_range AS company_employee_range, c.revenue_range AS company_revenue_range,
  c.country AS company_country, c.region AS company_region, c.city AS company_city,
  c.linkedin_url AS company_linkedin_url, pe.name AS person_name, pe.job_title AS person_job_title,
  pe.email_domain AS person_email_domain, pe.linkedin_url AS person_linkedin_url, pe.location AS person_location`;

/** Joins of a visitors table aliased `v` to its company and person. */
export const IDENTITY_JOINS = `
  LEFT JOIN companies c ON c.id = v.company_id
  LEFT JOIN people pe ON pe.email_sha256 = v.person_sha256`;

export interface IdentityRow {
  type: "company" | "person";
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
}

export function companyOf(row: IdentityRow) {
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

/** The person behind a B2C visitor; never the email or its hash. */
export function personOf(row: IdentityRow) {
  if (row.type !== "person") return null;
  return {
    name: row.person_name,
    jobTitle: row.person_job_title,
    emailDomain: row.person_email_domain,
    linkedinUrl: row.person_linkedin_url,
    location: row.person_location,
  };
}
