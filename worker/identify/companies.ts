import { newId } from "../lib/ids";
import { isoSeconds } from "../lib/time";
import { parseCidr, type Cidr } from "../lib/ip";
import { rangeKey } from "./ip-ranges";

/** Firmographics of a company, as imported or returned by a provider. */
export interface CompanyData {
  name: string;
  domain: string;
  industry?: string | null;
  employeeRange?: string | null;
  revenueRange?: string | null;
  country?: string | null;
  region?: string | null;
  city?: string | null;
  linkedinUrl?: string | null;
}

/**
 * Statements that insert or update a company by domain (never a duplicate) and, when
 * `cidrs` is given, replace its IP ranges. A range claimed by another company moves to
 * this one: the latest import wins. Run them in one `batch()` so each company is atomic.
 */
export function upsertCompanyStatements(db: D1Database, company: CompanyData, cidrs?: Cidr[]): D1PreparedStatement[] {
  const now = isoSeconds();
  const domain = company.domain.toLowerCase();
  const statements = [
    db
      .prepare(
        `INSERT INTO companies (id, domain, name, industry, employee_range, revenue_range, country, region, city,
           linkedin_url, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (domain) DO UPDATE SET name = excluded.name, industry = excluded.industry,
           employee_range = excluded.employee_range, revenue_range = excluded.revenue_range,
           country = excluded.country, region = excluded.region, city = excluded.city,
           linkedin_url = excluded.linkedin_url, updated_at = excluded.updated_at`,
      )
      .bind(
        newId("co"),
        domain,
        company.name,
        company.industry ?? null,
        company.employeeRange ?? null,
        company.revenueRange ?? null,
        company.country ?? null,
        company.region ?? null,
        company.city ?? null,
        company.linkedinUrl ?? null,
        now,
        now,
      ),
  ];
  if (!cidrs) return statements;
  const companyId = "(SELECT id FROM companies WHERE domain = ?)";
  statements.push(
    db.prepare(`DELETE FROM company_ip_ranges WHERE company_id = ${companyId}`).bind(domain),
    ...cidrs.flatMap((cidr) => [
      db
        .prepare(
          `INSERT OR REPLACE INTO company_ip_ranges (range_key, company_id, cidr, prefix) VALUES (?, ${companyId}, ?, ?)`,
        )
        .bind(rangeKey(cidr.network, cidr.prefix), domain, cidr.text, cidr.prefix),
      db.prepare("INSERT OR IGNORE INTO ip_prefix_lengths (prefix) VALUES (?)").bind(cidr.prefix),
    ]),
  );
  return statements;
}

export { parseCidr };
