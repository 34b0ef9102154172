/** What a partner's pages wear: its name, logo and colours (never the platform's). */
export interface Brand {
  partnerId: string;
  name: string;
  logoUrl: string | null;
  primaryColor: string | null;
  secondaryColor: string | null;
  supportEmail: string | null;
}

export async function brandOf(db: D1Database, partnerId: string): Promise<Brand | null> {
  const row = await db
    .prepare(
      "SELECT id, name, company_name, logo_url, primary_color, secondary_color, support_email FROM partners WHERE id = ?",
    )
    .bind(partnerId)
    .first<{
      id: string;
      name: string;
      company_name: string | null;
      logo_url: string | null;
      primary_color: string | null;
      secondary_color: string | null;
      support_email: string | null;
    }>();
  if (!row) return null;
  return {
    partnerId: row.id,
    name: row.company_name ?? row.name,
    logoUrl: row.logo_url,
    primaryColor: row.primary_color,
    secondaryColor: row.secondary_color,
    supportEmail: row.support_email,
  };
}
