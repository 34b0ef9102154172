import type { TenantEnv } from "../../shards";
/** What a partner's pages wear: its name, logo and colours (never the platform's). */
export interface Brand {
  partnerId: string;
  name: string;
  logoUrl: string | null;
  primaryColor: string | null;
  secondaryColor: string | null;
  supportEmail: string | null;
}

/** The organization a client page is about, as its header names it. */
export interface OrganizationHeader {
  id: string;
  name: string;
  status: "active" | "suspended" | "canceled";
}

interface BrandRow {
  id: string;
  name: string;
  company_name: string | null;
  logo_url: string | null;
  primary_color: string | null;
  secondary_color: string | null;
  support_email: string | null;
}

const brandStatement = (db: D1Database, partnerId: string) =>
  db
    .prepare(
      "SELECT id, name, company_name, logo_url, primary_color, secondary_color, support_email FROM partners WHERE id = ?",
    )
    .bind(partnerId);

const toBrand = (row: BrandRow): Brand => ({
  partnerId: row.id,
  name: row.company_name ?? row.name,
  logoUrl: row.logo_url,
  primaryColor: row.primary_color,
  secondaryColor: row.secondary_color,
  supportEmail: row.support_email,
});

export async function brandOf(db: D1Database, partnerId: string): Promise<Brand | null> {
  const row = await brandStatement(db, partnerId).first<BrandRow>();
  return row ? toBrand(row) : null;
}

/** The partner's brand (catalog) and one of its organizations (its shard), read at once. */
export async function brandAndOrganization(tenant: TenantEnv, partnerId: string, organizationId: string) {
  const [row, organization] = await Promise.all([
    brandStatement(tenant.CATALOG, partnerId).first<BrandRow>(),
    tenant.DB.prepare("SELECT id, name, status FROM organizations WHERE id = ? AND partner_id = ?")
      .bind(organizationId, partnerId)
      .first<OrganizationHeader>(),
  ]);
  return { brand: row ? toBrand(row) : null, organization };
}
