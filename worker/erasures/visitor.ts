import { auditStatement, type AuditEntry } from "../audit/queries";
import { SALTED_KEY_LENGTH } from "../visitors/keys";
import { counterFor } from "../credits/counter-client";
import type { TenantEnv } from "../shards";
import { randomHex } from "../lib/ids";
import { publicVisitorId } from "../visitors/identity";

/**
 * Erasing one visitor of an organization (docs/partner-api.md#visitor-erasure): its story goes (visitor
 * row, sessions, page views, search terms, the identification webhooks that name it); what money
 * needs stays without the identity: receipts keep their amount with the visitor replaced by
 * `ERASED_VISITOR`, ledger entries with `identity` null. The device rows of the day (kept for
 * exactly-once counting until the cron drops them) keep a random stand-in of the same length, so the
 * three-people rule still counts the charge. All in one batch, with the audit entry. The credit
 * counter forgets the identity first (credits/counter.ts `forget`), so its outbox mirrors nothing
 * carrying it to D1 after the batch.
 */

/** What `charges.visitor` holds once the visitor was erased; no visitor id is this short. */
export const ERASED_VISITOR = "erased";

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
  const standIn = `~${randomHex(SALTED_KEY_LENGTH)}`.slice(0, SALTED_KEY_LENGTH);
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
  const identification = `SELECT id FROM webhook_deliveries WHERE organization_id = ?1
    AND partner_id = (SELECT partner_id FROM organizations WHERE id = ?1) AND data ->> '$.visitorId' = ?2`;
  await db.batch([
    ...story,
    db.prepare("UPDATE charges SET visitor = ? WHERE org = ? AND visitor = ?").bind(ERASED_VISITOR, org, visitorId),
    db
      .prepare("UPDATE ledger_entries SET identity_key = NULL WHERE org = ? AND identity_key = ?")
      .bind(org, publicVisitorId(visitorId)),
    // A consumer that read one of these rows before sees its version changed and reads it again.
    db
      .prepare(
        `UPDATE device_days SET people = replace(people, ?3, ?4), visits = replace(visits, ?3, ?4), version = version + 1
         WHERE org = ?1 AND (instr(people, ?3) > 0 OR instr(visits, ?2) > 0)`,
      )
      .bind(org, `"${visitorId}"`, visitorId, standIn),
    db.prepare(`DELETE FROM webhook_attempts WHERE delivery_id IN (${identification})`).bind(organizationId, visitorId),
    db.prepare(`DELETE FROM webhook_deliveries WHERE id IN (${identification})`).bind(organizationId, visitorId),
    ...(audit
      ? [auditStatement(db, { ...audit, organizationId, details: { visitorId: publicVisitorId(visitorId) } })]
      : []),
  ]);
  return true;
}
