import type { Env } from "../env";
import { tenantEnv, type Shard } from "../shards";
import type { z } from "@hono/zod-openapi";
import type { PartnerStatus } from "../../shared/accounts";
import type { BillingMode, BillingPeriod } from "../../shared/billing";
import { notFound } from "../lib/errors";
import { isActive, loadEndpoints } from "../webhooks/endpoints";
import type { HostnameState } from "../custom-hostnames/status";
import type { OperatorPartnerSchema, PartnerSchema } from "./schemas";

export interface PartnerRow {
  id: string;
  name: string;
  slug: string;
  status: PartnerStatus;
  company_name: string | null;
  support_email: string | null;
  logo_url: string | null;
  primary_color: string | null;
  secondary_color: string | null;
  script_domain: string | null;
  script_domain_verified: number;
  /** The state of the domain's custom hostname (joined from `custom_hostnames`), null without one. */
  custom_hostname_state: HostnameState | null;
  global_name: string | null;
  billing_mode: BillingMode;
  billing_period: BillingPeriod;
  billing_day_of_month: number;
  credit_pool_total: number;
  max_organizations: number | null;
  max_identifications_per_org: number | null;
  retention_days: number;
  uncapped_usage: number;
  /** JSON (worker/billing/period.ts `Schedule`); null: the billing columns from the start. */
  billing_schedule: string | null;
  /** Moves on by one with every operator change of its settings (worker/partners/settings.ts). */
  settings_version: number;
  created_at: string;
  updated_at: string;
  shard: Shard;
}

/** The partner, or null when there is none with this id. */
export async function findPartner(db: D1Database, partnerId: string): Promise<PartnerRow | null> {
  return db
    .prepare(
      `SELECT p.*, h.state AS custom_hostname_state
       FROM partners p LEFT JOIN custom_hostnames h ON h.hostname = p.script_domain WHERE p.id = ?`,
    )
    .bind(partnerId)
    .first<PartnerRow>();
}

/** The partner behind an authenticated request (it exists: its key was just checked). */
export async function loadPartner(db: D1Database, partnerId: string): Promise<PartnerRow> {
  const row = await findPartner(db, partnerId);
  if (!row) throw new Error(`partner ${partnerId} vanished`);
  return row;
}

/** The partner an operator names, or 404. */
export async function partnerOr404(db: D1Database, partnerId: string): Promise<PartnerRow> {
  const row = await findPartner(db, partnerId);
  if (!row) throw notFound("Partner");
  return row;
}

export { hasPool } from "../../shared/billing";

/** The partner object of the operator API: the partner's, with its shard. */
export async function toOperatorPartner(env: Env, row: PartnerRow): Promise<z.infer<typeof OperatorPartnerSchema>> {
  return { ...(await toPartner(tenantEnv(env, row.shard).DB, row)), shard: row.shard };
}

/** The partner object (`GET /partner/me` and the operator API). */
export async function toPartner(db: D1Database, row: PartnerRow): Promise<z.infer<typeof PartnerSchema>> {
  const webhooks = await loadEndpoints(db, row.id);
  const allocated = await db
    .prepare("SELECT coalesce(sum(credits), 0) AS used FROM organizations WHERE partner_id = ?")
    .bind(row.id)
    .first<{ used: number }>();
  const used = allocated?.used ?? 0;
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    status: row.status,
    companyName: row.company_name,
    supportEmail: row.support_email,
    logoUrl: row.logo_url,
    primaryColor: row.primary_color,
    secondaryColor: row.secondary_color,
    scriptDomain: row.script_domain,
    scriptDomainVerified: row.script_domain_verified === 1,
    globalName: row.global_name,
    billingMode: row.billing_mode,
    billingPeriod: row.billing_period,
    billingDayOfMonth: row.billing_day_of_month,
    creditPoolTotal: row.credit_pool_total,
    // Pool arithmetic (docs/partner-api.md#credits): "used" = allocated to organizations.
    creditPoolUsed: used,
    creditPoolAvailable: Math.max(0, row.credit_pool_total - used),
    maxOrganizations: row.max_organizations,
    maxIdentificationsPerOrg: row.max_identifications_per_org,
    retentionDays: row.retention_days,
    uncappedUsage: row.uncapped_usage === 1,
    identificationWebhookUrl: webhooks.get("identification")?.url ?? null,
    identificationWebhookEnabled: isActive(webhooks.get("identification")),
    billingWebhookUrl: webhooks.get("billing")?.url ?? null,
    billingWebhookEnabled: isActive(webhooks.get("billing")),
    createdAt: row.created_at,
  };
}
