import { searchDocument } from "../../../worker/visitors/search";
import { organizationKey, tenantOfOrganization } from "./partners";

/** A visitor as a test writes it straight into D1 (times in unix seconds). */
export interface SeededVisitor {
  name: string;
  type?: "company" | "person";
  domain?: string | null;
  industry?: string | null;
  employeeRange?: string | null;
  country?: string | null;
  lastSeen: number;
  sessions?: number;
  pageViews?: number;
  icpMatched?: boolean;
  icpScore?: number;
  landingPage?: string | null;
}

/**
 * Visitors written straight into D1 the way the hits consumer keeps them (the row with its identity
 * snapshot, its search terms, the organization's running count); returns their API ids, in order.
 */
export async function seedVisitors(organizationId: string, visitors: SeededVisitor[]): Promise<string[]> {
  const org = await organizationKey(organizationId);
  const { DB } = await tenantOfOrganization(organizationId);
  const ids = visitors.map(() =>
    btoa(crypto.randomUUID())
      .replace(/[^A-Za-z0-9]/g, "")
      .slice(0, 11),
  );
  const rows = visitors.map((v, i) => [
    ids[i],
    v.type ?? "company",
    v.lastSeen - 60,
    v.lastSeen,
    v.sessions ?? 1,
    v.pageViews ?? 1,
    v.landingPage ?? "/",
    v.name,
    v.domain ?? null,
    v.industry ?? null,
    v.employeeRange ?? null,
    v.country ?? null,
    v.icpMatched ? 1 : 0,
    v.icpScore ?? 0,
    searchDocument(org, { name: v.name, domain: v.domain ?? null }),
  ]);
  for (let i = 0; i < rows.length; i += 100) {
    const chunk = JSON.stringify(rows.slice(i, i + 100));
    await DB.batch([
      DB.prepare(
        `INSERT INTO visitors (org, id, type, first_seen, last_seen, sessions, page_views, landing_page, name, domain,
           industry, employee_range, hq_country, icp_matched, icp_score)
         SELECT ?1, ${Array.from({ length: 14 }, (_, k) => `r.value ->> ${k}`).join(", ")} FROM json_each(?2) r`,
      ).bind(org, chunk),
      DB.prepare(
        `INSERT INTO visitor_search (rowid, terms)
         SELECT v.seq, r.value ->> 14 FROM json_each(?2) r JOIN visitors v ON v.org = ?1 AND v.id = r.value ->> 0`,
      ).bind(org, chunk),
    ]);
  }
  await DB.prepare("UPDATE organization_keys SET visitors = visitors + ? WHERE key = ?")
    .bind(visitors.length, org)
    .run();
  return ids.map((id) => `vis_${id}`);
}
