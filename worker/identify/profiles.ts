import type { Profile } from "../visitors/identity";
import type { Identity } from "./identifier";

interface ProfileRow {
  key: string;
  name: string | null;
  domain: string | null;
  industry: string | null;
  employee_range: string | null;
  revenue_range: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  linkedin_url: string | null;
  job_title: string | null;
  email_domain: string | null;
  company_domain: string | null;
  location: string | null;
}

/**
 * What the imported data says about each identity (two reads, for the caller's batch): the visitor's
 * snapshot, and the domains exclusions are checked against. `profilesFrom` reads the answers.
 */
export function profileStatements(db: D1Database, identities: Identity[]): D1PreparedStatement[] {
  const companies = [...new Set(identities.flatMap((i) => (i.companyId ? [i.companyId] : [])))];
  const people = [...new Set(identities.flatMap((i) => (i.personSha256 ? [i.personSha256] : [])))];
  return [
    db
      .prepare(
        `SELECT 'company:' || id AS key, name, domain, industry, employee_range, revenue_range, country, region, city,
           linkedin_url, NULL AS job_title, NULL AS email_domain, NULL AS company_domain, NULL AS location
         FROM companies WHERE id IN (SELECT value FROM json_each(?))`,
      )
      .bind(JSON.stringify(companies)),
    db
      .prepare(
        `SELECT 'person:' || email_sha256 AS key, name, NULL AS domain, NULL AS industry, NULL AS employee_range,
           NULL AS revenue_range, NULL AS country, NULL AS region, NULL AS city, linkedin_url, job_title, email_domain,
           company_domain, location
         FROM people WHERE email_sha256 IN (SELECT value FROM json_each(?))`,
      )
      .bind(JSON.stringify(people)),
  ];
}

/** The profiles read by `profileStatements`, keyed by identity key. */
export function profilesFrom([companyRows, personRows]: D1Result[]): Map<string, Profile> {
  return new Map(
    [...(companyRows!.results as ProfileRow[]), ...(personRows!.results as ProfileRow[])].map((r) => [
      r.key,
      {
        name: r.name,
        domain: r.domain,
        industry: r.industry,
        employeeRange: r.employee_range,
        revenueRange: r.revenue_range,
        country: r.country,
        region: r.region,
        city: r.city,
        linkedinUrl: r.linkedin_url,
        jobTitle: r.job_title,
        emailDomain: r.email_domain,
        companyDomain: r.company_domain,
        location: r.location,
      },
    ]),
  );
}

/** The domains an identity stands for: its company's, or its person's email and company domains. */
export const domainsOf = (profile: Profile | undefined): string[] =>
  profile ? [profile.domain, profile.emailDomain, profile.companyDomain].filter((d): d is string => d !== null) : [];
