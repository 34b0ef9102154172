import { auditStatement, type AuditEntry } from "../audit/queries";
import { counterFor } from "../credits/counter-client";
import { poolFor } from "../credits/pool-client";
import type { TenantEnv } from "../shards";
import { forgetPixelRecord } from "../pixel-config/record";

/**
 * Purging a canceled organization (docs/privacy.md#organization-purge): everything it holds goes.
 * Its counter's storage and alarm first, then its pixel record in KV, then its sign-in links and
 * sessions in the catalog, then every row of its shard keyed by its id or its organization key, in
 * one batch with the `organization.purged` audit entry: the organization's row goes last, so a purge
 * that failed halfway is completed by repeating it.
 * Its allocation went back to the partner's pool when it was canceled; the pool forgets the
 * organization now (the credits it consumed stay counted in the pool's current window until the
 * window ends, so the partner's budget still adds up).
 */
export async function purgeOrganization(
  env: TenantEnv,
  organization: { id: string; partnerId: string; pooled: boolean },
  actor: AuditEntry["actor"],
): Promise<void> {
  const db = env.DB;
  const { id, partnerId } = organization;
  await counterFor(env, id).purge();
  if (organization.pooled) await poolFor(env, partnerId).forget(id);
  const pixel = await db.prepare("SELECT api_key FROM pixels WHERE organization_id = ?").bind(id).first<{
    api_key: string;
  }>();
  if (pixel) await forgetPixelRecord(env, pixel.api_key);
  await env.CATALOG.batch(
    [
      "DELETE FROM sign_in_links WHERE organization_id = ?1",
      "DELETE FROM dashboard_sessions WHERE organization_id = ?1",
      // Operator counts of dead letters stay; the latest message of the organization goes.
      `UPDATE dead_letters SET organization_id = NULL, latest = '' WHERE organization_id = ?1 OR instr(latest, ?1) > 0`,
    ].map((sql) => env.CATALOG.prepare(sql).bind(id)),
  );
  const key = "(SELECT key FROM organization_keys WHERE organization_id = ?1)";
  const seqs = `(SELECT seq FROM visitors WHERE org = ${key})`;
  const deliveries = "(SELECT id FROM webhook_deliveries WHERE organization_id = ?1)";
  const statements = [
    `DELETE FROM page_views WHERE visitor IN ${seqs}`,
    `DELETE FROM visitor_search WHERE rowid IN ${seqs}`,
    `DELETE FROM sessions WHERE org = ${key}`,
    `DELETE FROM visitors WHERE org = ${key}`,
    `DELETE FROM charges WHERE org = ${key}`,
    `DELETE FROM device_days WHERE org = ${key}`,
    `DELETE FROM ledger_entries WHERE org = ${key}`,
    "DELETE FROM organization_keys WHERE organization_id = ?1",
    `DELETE FROM webhook_attempts WHERE delivery_id IN ${deliveries}`,
    "DELETE FROM webhook_deliveries WHERE organization_id = ?1",
    "DELETE FROM organization_periods WHERE organization_id = ?1",
    "DELETE FROM usage_daily WHERE organization_id = ?1",
    "DELETE FROM credit_allocations WHERE organization_id = ?1",
    "DELETE FROM icp_configs WHERE organization_id = ?1",
    "DELETE FROM alert_channels WHERE rule_id IN (SELECT id FROM alert_rules WHERE organization_id = ?1)",
    "DELETE FROM alert_claims WHERE rule_id IN (SELECT id FROM alert_rules WHERE organization_id = ?1)",
    "DELETE FROM alert_deliveries WHERE organization_id = ?1",
    "DELETE FROM alert_rules WHERE organization_id = ?1",
    "DELETE FROM icp_generations WHERE organization_id = ?1",
    "DELETE FROM organization_email_preferences WHERE organization_id = ?1",
    "DELETE FROM organization_exclusions WHERE organization_id = ?1",
    "DELETE FROM audit_log WHERE organization_id = ?1 OR instr(details, ?1) > 0",
    // A sweep that stopped at this organization starts over.
    "UPDATE sweeps SET cursor = '' WHERE cursor = ?1",
    "DELETE FROM pixels WHERE organization_id = ?1",
    "DELETE FROM organizations WHERE id = ?1",
  ].map((sql) => db.prepare(sql).bind(id));
  await db.batch([
    ...statements,
    // The organization's own id stays in its purge entry, which is the partner's (organization null).
    auditStatement(db, {
      partnerId,
      organizationId: null,
      action: "organization.purged",
      actor,
      details: { organizationId: id },
    }),
  ]);
}
