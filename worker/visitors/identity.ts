import type { z } from "@hono/zod-openapi";
import type { IdentityType } from "../../shared/billing";
import { isoSeconds } from "../lib/time";
import type { CompanySchema, PersonSchema } from "./schemas";
import { webLink } from "../lib/web-link";

/**
 * A visitor and who it is: one row type and one projection for the visitors list, the
 * `visitor.identified` webhook, ICP scoring and the dashboards, so they never drift apart.
 * Who it is lives on the visitor row itself (a snapshot of the company's or person's data,
 * refreshed by the hits consumer), so every read stays inside the organization's own tables.
 */

/** The organization's short key in the visitor tables, from its id (one bound parameter). */
export const ORGANIZATION_KEY = "(SELECT key FROM organization_keys WHERE organization_id = ?)";

/** The API's visitor id for a stored one, and back (null for anything else). */
export const publicVisitorId = (id: string) => `vis_${id}`;
export const storedVisitorId = (publicId: string) =>
  /^vis_[A-Za-z0-9_-]{11}$/.test(publicId) ? publicId.slice(4) : null;

/** A session's public id: its visitor and its start. */
export const sessionId = (visitorId: string, start: number) => `ses_${visitorId}${start.toString(36)}`;

/** A stored time (unix seconds) as the API writes it. */
export const isoOf = (seconds: number) => isoSeconds(seconds * 1000);

/** What imported data (or a provider) says about an identity: the visitor's snapshot. */
export interface Profile {
  name: string | null;
  domain: string | null;
  industry: string | null;
  employeeRange: string | null;
  revenueRange: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  linkedinUrl: string | null;
  jobTitle: string | null;
  emailDomain: string | null;
  companyDomain: string | null;
  location: string | null;
}

/** The visitors column of each profile field. */
export const PROFILE_COLUMNS: Record<keyof Profile, string> = {
  name: "name",
  domain: "domain",
  industry: "industry",
  employeeRange: "employee_range",
  revenueRange: "revenue_range",
  country: "hq_country",
  region: "hq_region",
  city: "hq_city",
  linkedinUrl: "linkedin_url",
  jobTitle: "job_title",
  emailDomain: "email_domain",
  companyDomain: "company_domain",
  location: "location",
};

/** The snapshot columns of a `visitors` row. */
export interface IdentityRow {
  type: IdentityType;
  name: string | null;
  domain: string | null;
  industry: string | null;
  employee_range: string | null;
  revenue_range: string | null;
  hq_country: string | null;
  hq_region: string | null;
  hq_city: string | null;
  linkedin_url: string | null;
  job_title: string | null;
  email_domain: string | null;
  company_domain: string | null;
  location: string | null;
}

/** A `sessions` row: one visit of a visitor. */
export interface SessionRow {
  visitor: number;
  start: number;
  last_seen: number;
  page_views: number;
  landing_page: string | null;
  referrer: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  device_type: string | null;
}

/** A `visitors` row. */
export interface VisitorRow extends IdentityRow {
  seq: number;
  org: number;
  id: string;
  first_seen: number;
  last_seen: number;
  sessions: number;
  page_views: number;
  engaged_seconds: number;
  scroll_sum: number;
  scroll_samples: number;
  landing_page: string | null;
  referrer: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  last_page: string | null;
  device_type: string | null;
  browser: string | null;
  os: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  icp_matched: number;
  icp_score: number;
  icp_config_id: string | null;
  charged_period: number | null;
}

export function companyOf(row: IdentityRow): z.infer<typeof CompanySchema> | null {
  if (row.type !== "company" || row.name === null) return null;
  return {
    name: row.name,
    domain: row.domain ?? "",
    industry: row.industry,
    employeeRange: row.employee_range,
    revenueRange: row.revenue_range,
    country: row.hq_country,
    region: row.hq_region,
    city: row.hq_city,
    linkedinUrl: webLink(row.linkedin_url),
  };
}

export function personOf(row: IdentityRow): z.infer<typeof PersonSchema> | null {
  if (row.type !== "person") return null;
  return {
    name: row.name,
    jobTitle: row.job_title,
    emailDomain: row.email_domain,
    linkedinUrl: webLink(row.linkedin_url),
    location: row.location,
  };
}

/** The visitor itself, as the `visitor.identified` webhook names it. */
export const visitorRef = (row: VisitorRow) => ({
  id: publicVisitorId(row.id),
  type: row.type,
  firstSeenAt: isoOf(row.first_seen),
  lastSeenAt: isoOf(row.last_seen),
});

/** Mean of the page views' maximum scroll depths, rounded (0 when none reported any). */
export const averageScroll = (row: { scroll_sum: number; scroll_samples: number }) =>
  row.scroll_samples > 0 ? Math.round(row.scroll_sum / row.scroll_samples) : 0;
