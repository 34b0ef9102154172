import { auditStatement, type AuditEntry } from "../audit/queries";
import { counterFor } from "../credits/counter-client";
import { poolFor } from "../credits/pool-client";
import { sendJobs } from "../jobs/message";
import { dayNumber, isoSeconds } from "../lib/time";
import type { TenantEnv } from "../shards";
import { deviceDayTables } from "../visitors/device-days";
import { forgetPixelRecord } from "../pixel-config/record";

/**
 * Purging a canceled organization (docs/privacy.md#organization-purge): everything it holds goes.
 *
 * At once (`startPurge`): its counter's storage and alarm, its registration in the partner's pool
 * (the credits it consumed stay counted in the pool's current window until the window ends, so the
 * partner's budget still adds up), its pixel record in KV, its sign-in links and sessions in the
 * catalog; then, in one D1 batch, the organization leaves its partner (its `partner_id` is prefixed
 * `purging:`, so no partner query finds it: it answers 404 from then on), its pixel goes, the
 * `organization.purged` audit entry is written and the purge is recorded (`purges`).
 *
 * Then in the background, on the JOBS queue (`purgeOrganizationPage`): every row keyed by its id or its
 * organization key, at most `PURGE_ROWS` per table and job, each job one D1 batch that sends the next
 * job; the last one also deletes the organization's key and row, in the same batch as its last rows,
 * only once nothing of it is left. A very large organization takes many small jobs, never one big
 * batch. A job that was lost is sent again by the cron (`resumeStalledPurges`).
 */

/** Rows deleted per table and job. */
export const PURGE_ROWS = 2_000;
/** A purge that made no progress this long lost its job. */
export const PURGE_STALL_MS = 15 * 60_000;
/** The `partner_id` of an organization being purged starts with this: no partner's query matches it. */
const PURGING = "purging:";

export async function startPurge(
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
  const now = isoSeconds();
  await db.batch([
    db
      .prepare(
        `INSERT INTO purges (organization_id, partner_id, status, created_at, updated_at) VALUES (?1, ?2, 'running', ?3, ?3)
         ON CONFLICT DO NOTHING`,
      )
      .bind(id, partnerId, now),
    // Copies are never synced again; the pixel answers no more.
    db
      .prepare(
        `UPDATE organizations SET partner_id = '${PURGING}' || partner_id, synced_version = sync_version, updated_at = ?3
         WHERE id = ?1 AND partner_id = ?2`,
      )
      .bind(id, partnerId, now),
    db.prepare("DELETE FROM pixels WHERE organization_id = ?").bind(id),
    // The organization's own id stays in its purge entry, which is the partner's (organization null).
    auditStatement(db, {
      partnerId,
      organizationId: null,
      action: "organization.purged",
      actor,
      details: { organizationId: id },
    }),
  ]);
  await sendJobs(env, [{ type: "organizations.purge", organizationId: id }]);
}

/**
 * The bounded deletes of one job, each with the check that nothing of its kind is left. ?1 the
 * organization, ?2 its partner, ?3 today (day number): device, address and text rows are read by day
 * (their key leads with it) for the days they live; older ones are the cron's.
 */
const key = "(SELECT key FROM organization_keys WHERE organization_id = ?1)";
const recentDays = "(?3 - 2, ?3 - 1, ?3, ?3 + 1)";
const doneVisitors = `SELECT seq FROM visitors v WHERE v.org = ${key} AND NOT EXISTS (SELECT 1 FROM page_views
  WHERE visitor = v.seq) AND NOT EXISTS (SELECT 1 FROM sessions WHERE visitor = v.seq) ORDER BY seq LIMIT ${PURGE_ROWS}`;
const deliveries = "SELECT id FROM webhook_deliveries WHERE partner_id = ?2 AND organization_id = ?1";
const alertRules = "SELECT id FROM alert_rules WHERE organization_id = ?1";
const audited = `SELECT id FROM audit_log WHERE partner_id = ?2 AND (organization_id = ?1 OR instr(details, ?1) > 0)
  AND action != 'organization.purged'`;

/** [what is left of one kind (a query of its rows), how to delete at most PURGE_ROWS of them]. */
const TABLES: [left: string, remove: string][] = [
  [
    `SELECT 1 FROM visitors v CROSS JOIN page_views pv ON pv.visitor = v.seq WHERE v.org = ${key}`,
    `DELETE FROM page_views WHERE (visitor, session, key) IN (SELECT pv.visitor, pv.session, pv.key FROM visitors v
       CROSS JOIN page_views pv ON pv.visitor = v.seq WHERE v.org = ${key} LIMIT ${PURGE_ROWS})`,
  ],
  [
    `SELECT 1 FROM sessions WHERE org = ${key}`,
    `DELETE FROM sessions WHERE (visitor, start) IN (SELECT visitor, start FROM sessions WHERE org = ${key} LIMIT ${PURGE_ROWS})`,
  ],
  // A visitor goes with its search terms once its sessions and page views are gone (the same rows: the
  // search terms are deleted first, and the visitors the query selects do not change in between).
  [`SELECT 1 FROM visitors WHERE org = ${key}`, `DELETE FROM visitor_search WHERE rowid IN (${doneVisitors})`],
  [`SELECT 1 FROM visitors WHERE org = ${key}`, `DELETE FROM visitors WHERE seq IN (${doneVisitors})`],
  ...["charges:at, event_id", "ledger_entries:seq", "late_erasures:visitor"].map((spec): [string, string] => {
    const [table, rest] = spec.split(":");
    return [
      `SELECT 1 FROM ${table} WHERE org = ${key}`,
      `DELETE FROM ${table} WHERE (org, ${rest}) IN (SELECT org, ${rest} FROM ${table} WHERE org = ${key} LIMIT ${PURGE_ROWS})`,
    ];
  }),
  ...[...deviceDayTables().map((t) => `${t}:device`), "address_days:address", "anonymous_texts:key"].map(
    (spec): [string, string] => {
      const [table, rest] = spec.split(":");
      const rows = `FROM ${table} WHERE day IN ${recentDays} AND org = ${key}`;
      return [
        `SELECT 1 ${rows}`,
        `DELETE FROM ${table} WHERE (day, org, ${rest}) IN (SELECT day, org, ${rest} ${rows} LIMIT ${PURGE_ROWS})`,
      ];
    },
  ),
  [
    `SELECT 1 FROM webhook_attempts WHERE delivery_id IN (${deliveries})`,
    `DELETE FROM webhook_attempts WHERE (delivery_id, attempt) IN (SELECT delivery_id, attempt FROM webhook_attempts
       WHERE delivery_id IN (${deliveries}) LIMIT ${PURGE_ROWS})`,
  ],
  [
    deliveries,
    `DELETE FROM webhook_deliveries WHERE id IN (${deliveries} AND NOT EXISTS (SELECT 1 FROM webhook_attempts
       WHERE delivery_id = webhook_deliveries.id) LIMIT ${PURGE_ROWS})`,
  ],
  [audited, `DELETE FROM audit_log WHERE id IN (${audited} LIMIT ${PURGE_ROWS})`],
  [
    "SELECT 1 FROM email_notices WHERE organization_id = ?1",
    `DELETE FROM email_notices WHERE id IN (SELECT id FROM email_notices WHERE organization_id = ?1 LIMIT ${PURGE_ROWS})`,
  ],
  [
    "SELECT 1 FROM email_unsubscribes WHERE partner_id = ?2 AND scope = ?1",
    `DELETE FROM email_unsubscribes WHERE (partner_id, scope, kind, email) IN (SELECT partner_id, scope, kind, email
       FROM email_unsubscribes WHERE partner_id = ?2 AND scope = ?1 LIMIT ${PURGE_ROWS})`,
  ],
  [
    `SELECT 1 FROM alert_channels WHERE rule_id IN (${alertRules})`,
    `DELETE FROM alert_channels WHERE id IN (SELECT id FROM alert_channels WHERE rule_id IN (${alertRules})
       LIMIT ${PURGE_ROWS})`,
  ],
  [
    `SELECT 1 FROM alert_claims WHERE rule_id IN (${alertRules})`,
    `DELETE FROM alert_claims WHERE (rule_id, visitor) IN (SELECT rule_id, visitor FROM alert_claims
       WHERE rule_id IN (${alertRules}) LIMIT ${PURGE_ROWS})`,
  ],
  [
    `SELECT 1 FROM alert_deliveries WHERE rule_id IN (${alertRules})`,
    `DELETE FROM alert_deliveries WHERE id IN (SELECT id FROM alert_deliveries WHERE rule_id IN (${alertRules})
       LIMIT ${PURGE_ROWS})`,
  ],
  // A rule goes once its channels, cooldowns and delivery log are gone (they are found through it).
  [
    alertRules,
    `DELETE FROM alert_rules WHERE organization_id = ?1
       AND NOT EXISTS (SELECT 1 FROM alert_channels WHERE rule_id = alert_rules.id)
       AND NOT EXISTS (SELECT 1 FROM alert_claims WHERE rule_id = alert_rules.id)
       AND NOT EXISTS (SELECT 1 FROM alert_deliveries WHERE rule_id = alert_rules.id)`,
  ],
  [
    "SELECT 1 FROM digest_claims WHERE organization_id = ?1",
    `DELETE FROM digest_claims WHERE (organization_id, frequency, period_end, email) IN (SELECT organization_id,
       frequency, period_end, email FROM digest_claims WHERE organization_id = ?1 LIMIT ${PURGE_ROWS})`,
  ],
  [
    "SELECT 1 FROM digest_recipients WHERE organization_id = ?1",
    "DELETE FROM digest_recipients WHERE organization_id = ?1",
  ],
  // A segment goes once no alert rule and no digest recipient reads it (they go above, in the same batch).
  [
    "SELECT 1 FROM segments WHERE organization_id = ?1",
    `DELETE FROM segments WHERE id IN (SELECT id FROM segments s WHERE organization_id = ?1
       AND NOT EXISTS (SELECT 1 FROM alert_rules WHERE segment_id = s.id)
       AND NOT EXISTS (SELECT 1 FROM digest_recipients WHERE segment_id = s.id) LIMIT ${PURGE_ROWS})`,
  ],
  ...["usage_daily:day", "credit_allocations:id", "icp_configs:id"].map((spec): [string, string] => {
    const [table, column] = spec.split(":");
    return [
      `SELECT 1 FROM ${table} WHERE organization_id = ?1`,
      `DELETE FROM ${table} WHERE (organization_id, ${column}) IN (SELECT organization_id, ${column} FROM ${table}
         WHERE organization_id = ?1 LIMIT ${PURGE_ROWS})`,
    ];
  }),
  ...[
    "digest_settings",
    "icp_generations",
    "organization_email_preferences",
    "organization_exclusions",
    "organization_periods",
    "pixels",
  ].map((table): [string, string] => [
    `SELECT 1 FROM ${table} WHERE organization_id = ?1`,
    `DELETE FROM ${table} WHERE organization_id = ?1`,
  ]),
];

const nothingLeft = TABLES.map(([left]) => `NOT EXISTS (${left})`).join(" AND ");

/**
 * One job of a purge: at most PURGE_ROWS rows of each kind, then, in the same batch and only when
 * nothing of the organization is left, its key and its row, and the purge is completed. Sends the
 * next job otherwise. A job that deleted nothing while the organization is still there fails (and ends
 * in the dead-letter queue, where the operator sees it): something keeps a row of it.
 */
export async function purgeOrganizationPage(env: TenantEnv, organizationId: string): Promise<void> {
  const db = env.DB;
  const purge = await db
    .prepare("SELECT partner_id, status FROM purges WHERE organization_id = ?")
    .bind(organizationId)
    .first<{ partner_id: string; status: string }>();
  if (!purge || purge.status === "completed") return;
  const now = isoSeconds();
  const params = [organizationId, purge.partner_id, dayNumber(Date.now())];
  // Each statement gets the parameters up to the highest it names (D1 refuses extra ones).
  const bind = (sql: string) =>
    db.prepare(sql).bind(...params.slice(0, Math.max(...[...sql.matchAll(/\?(\d)/g)].map((m) => Number(m[1])))));
  const results = await db.batch([
    ...TABLES.map(([, remove]) => bind(remove)),
    // A sweep that stopped at this organization starts over.
    bind("UPDATE sweeps SET cursor = '' WHERE cursor = ?1"),
    bind(`DELETE FROM organization_keys WHERE organization_id = ?1 AND ${nothingLeft}`),
    bind(
      `DELETE FROM organizations WHERE id = ?1 AND partner_id = '${PURGING}' || ?2
       AND NOT EXISTS (SELECT 1 FROM organization_keys WHERE organization_id = ?1) AND ${nothingLeft}`,
    ),
    db
      .prepare(
        `UPDATE purges SET rounds = rounds + 1, updated_at = ?2,
           status = CASE WHEN EXISTS (SELECT 1 FROM organizations WHERE id = ?1) THEN 'running' ELSE 'completed' END,
           completed_at = CASE WHEN EXISTS (SELECT 1 FROM organizations WHERE id = ?1) THEN NULL ELSE ?2 END
         WHERE organization_id = ?1`,
      )
      .bind(organizationId, now),
  ]);
  const deleted = results.slice(0, TABLES.length).reduce((n, r) => n + r.meta.changes, 0);
  const organizationGone = results[TABLES.length + 2]!.meta.changes > 0;
  if (organizationGone) return;
  if (deleted === 0) throw new Error(`purge of ${organizationId} deleted nothing and the organization is still there`);
  await sendJobs(env, [{ type: "organizations.purge", organizationId }]);
}

/** Cron: purges that stopped making progress are sent to the queue again. */
export async function resumeStalledPurges(env: TenantEnv): Promise<void> {
  const { results } = await env.DB.prepare(
    "SELECT organization_id FROM purges WHERE status != 'completed' AND updated_at < ? ORDER BY updated_at LIMIT 100",
  )
    .bind(isoSeconds(Date.now() - PURGE_STALL_MS))
    .all<{ organization_id: string }>();
  await sendJobs(
    env,
    results.map((r) => ({ type: "organizations.purge", organizationId: r.organization_id })),
  );
}
