import { auditStatement, type AuditEntry } from "../audit/queries";
import { deviceDayTables } from "../visitors/device-days";
import { SALTED_KEY_LENGTH } from "../visitors/keys";
import { counterFor } from "../credits/counter-client";
import type { TenantEnv } from "../shards";
import { randomHex } from "../lib/ids";
import { publicVisitorId } from "../visitors/identity";

/**
 * Erasing one visitor of an organization (docs/partner-api.md#visitor-erasure): its story goes (visitor
 * row, sessions, page views, search terms, the identification webhooks and the alerts that name it); what money
 * needs stays without the identity: receipts keep their amount with the visitor replaced by
 * `ERASED_VISITOR`, ledger entries with `identity` null. The device rows of the day (kept for
 * exactly-once counting until the cron drops them) and address rows keep a random stand-in of the same
 * length, so the people rules still count the charge. All in one batch, with the audit entry. The credit
 * counter forgets the identity first (credits/counter.ts `forget`), so its outbox mirrors nothing
 * carrying it to D1 after the batch.
 */

/** What `charges.visitor` holds once the visitor was erased; no visitor id is this short. */
export const ERASED_VISITOR = "erased";
/** Page views or sessions of one visitor deleted per statement. */
export const ERASE_ROWS = 2_000;
/** What a visitor has many of, with the columns of their keys. */
const CHUNKED = [
  ["page_views", "visitor, session, key"],
  ["sessions", "visitor, start"],
] as const;

/**
 * True when anything is held under this visitor id in the organization, and then erased. `audit`
 * null: the caller records its own entry (a person's erasure names no visitor id).
 */
export async function eraseVisitor(
  env: TenantEnv,
  organizationId: string,
  visitorId: string,
  audit: Omit<AuditEntry, "organizationId" | "details"> | null,
): Promise<boolean> {
  const db = env.DB;
  const held = await db
    .prepare(
      `SELECT k.key AS org, (SELECT seq FROM visitors WHERE org = k.key AND id = ?2) AS seq,
         EXISTS (SELECT 1 FROM charges WHERE org = k.key AND visitor = ?2) AS charged,
         EXISTS (SELECT 1 FROM ledger_entries WHERE org = k.key AND identity_key = ?3) AS debited
       FROM organization_keys k WHERE k.organization_id = ?1`,
    )
    .bind(organizationId, visitorId, publicVisitorId(visitorId))
    .first<{ org: number; seq: number | null; charged: number; debited: number }>();
  if (!held || (held.seq === null && !held.charged && !held.debited)) return false;
  const { org, seq } = held;
  await counterFor(env, organizationId).forget(publicVisitorId(visitorId));
  // A visitor seen for years has many page views and sessions: they go ERASE_ROWS at a time first, so
  // no statement is large; the batch below deletes what arrived meanwhile and the visitor.
  if (seq !== null) {
    for (const [table, key] of CHUNKED) {
      const chunk = db
        .prepare(
          `DELETE FROM ${table} WHERE (${key}) IN (SELECT ${key} FROM ${table} WHERE visitor = ? LIMIT ${ERASE_ROWS})`,
        )
        .bind(seq);
      while ((await chunk.run()).meta.changes === ERASE_ROWS);
    }
  }
  const story =
    seq === null
      ? []
      : [
          db.prepare("DELETE FROM page_views WHERE visitor = ?").bind(seq),
          db.prepare("DELETE FROM sessions WHERE visitor = ?").bind(seq),
          db.prepare("DELETE FROM visitor_search WHERE rowid = ?").bind(seq),
          db.prepare("DELETE FROM visitors WHERE seq = ?").bind(seq),
          db.prepare("UPDATE organization_keys SET visitors = max(0, visitors - 1) WHERE key = ?").bind(org),
        ];
  await db.batch([
    ...story,
    db.prepare("UPDATE charges SET visitor = ? WHERE org = ? AND visitor = ?").bind(ERASED_VISITOR, org, visitorId),
    ...identityStatements(db, organizationId, org, visitorId),
    ...(audit
      ? [auditStatement(db, { ...audit, organizationId, details: { visitorId: publicVisitorId(visitorId) } })]
      : []),
  ]);
  return true;
}

/**
 * Where a visitor id stays once its story is gone: the ledger's entries, the `visitor.identified`
 * deliveries naming it, and the day's device and address rows (a random stand-in of the same length
 * keeps the people rules counting; a consumer that read one of these rows sees its version changed).
 */
function identityStatements(db: D1Database, organizationId: string, org: number, visitorId: string) {
  const identification = `SELECT id FROM webhook_deliveries WHERE organization_id = ?1
    AND partner_id = (SELECT partner_id FROM organizations WHERE id = ?1) AND data ->> '$.visitorId' = ?2`;
  const rules = "SELECT id FROM alert_rules WHERE organization_id = ?1";
  const standIn = `~${randomHex(SALTED_KEY_LENGTH)}`.slice(0, SALTED_KEY_LENGTH);
  return [
    db
      .prepare("UPDATE ledger_entries SET identity_key = NULL WHERE org = ? AND identity_key = ?")
      .bind(org, publicVisitorId(visitorId)),
    // Each day's device rows are in a table of their own (visitors/device-days.ts).
    ...deviceDayTables().map((table) =>
      db
        .prepare(
          `UPDATE ${table} SET people = replace(people, ?3, ?4), visits = replace(visits, ?3, ?4), version = version + 1
           WHERE org = ?1 AND (instr(people, ?3) > 0 OR instr(visits, ?2) > 0)`,
        )
        .bind(org, `"${visitorId}"`, visitorId, standIn),
    ),
    db
      .prepare(
        "UPDATE address_days SET people = replace(people, ?2, ?3), version = version + 1 WHERE org = ?1 AND instr(people, ?2) > 0",
      )
      .bind(org, visitorId, standIn),
    db.prepare(`DELETE FROM webhook_attempts WHERE delivery_id IN (${identification})`).bind(organizationId, visitorId),
    db.prepare(`DELETE FROM webhook_deliveries WHERE id IN (${identification})`).bind(organizationId, visitorId),
    // Alerts about the visitor: their log entries and cooldowns.
    db
      .prepare(`DELETE FROM alert_deliveries WHERE rule_id IN (${rules}) AND visitor = ?2`)
      .bind(organizationId, visitorId),
    db.prepare(`DELETE FROM alert_claims WHERE rule_id IN (${rules}) AND visitor = ?2`).bind(organizationId, visitorId),
  ];
}

/**
 * N3: visitors of people suppressed (by an erasure) while a hit of theirs was in flight. The hits
 * consumer stored nothing of them but, for a hit the counter had charged already, a receipt as
 * `ERASED_VISITOR`, and listed them in `late_erasures`; here the credit counter forgets them (its
 * ledger entries not mirrored yet lose the id), then D1 whatever holds the id (`identityStatements`),
 * and the list lets go of them. Repeatable: the cron finishes what failed.
 */
export async function forgetLateErasures(
  env: TenantEnv,
  organizationId: string,
  org: number,
  visitorIds: string[],
): Promise<void> {
  const counter = counterFor(env, organizationId);
  for (const visitorId of visitorIds) await counter.forget(publicVisitorId(visitorId));
  await env.DB.batch(
    visitorIds.flatMap((visitorId) => [
      ...identityStatements(env.DB, organizationId, org, visitorId),
      env.DB.prepare("DELETE FROM late_erasures WHERE org = ? AND visitor = ?").bind(org, visitorId),
    ]),
  );
}

/** Cron: `late_erasures` left behind (the consumer could not reach a counter), at most 100 a run. */
export async function forgetLeftLateErasures(env: TenantEnv): Promise<void> {
  const { results } = await env.DB.prepare(
    `SELECT k.organization_id, e.org, e.visitor FROM late_erasures e
     JOIN organization_keys k ON k.key = e.org LIMIT 100`,
  ).all<{ organization_id: string; org: number; visitor: string }>();
  for (const [organizationId, rows] of Map.groupBy(results, (r) => r.organization_id)) {
    await forgetLateErasures(
      env,
      organizationId,
      rows[0]!.org,
      rows.map((r) => r.visitor),
    );
  }
}
