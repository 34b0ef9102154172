import type { Keyset } from "../lib/cursor";
import { COUNT_LIMIT } from "../http/schemas";
import { randomHex } from "../lib/ids";
import { isoSeconds } from "../lib/time";
import type { Actor, AuditAction } from "./actions";

export interface AuditEntry {
  partnerId: string;
  organizationId: string | null;
  action: AuditAction;
  actor: Actor;
  details?: Record<string, unknown>;
}

interface AuditRow {
  id: string;
  organization_id: string | null;
  action: AuditAction;
  actor_type: Actor["type"];
  actor_id: string;
  actor_email: string | null;
  details: string;
  created_at: string;
}

/** Entry ids sort by time (milliseconds first), so entries of the same second keep their order. */
const entryId = (at: number) => `aud_${at.toString(16).padStart(12, "0")}${randomHex(10)}`;

/**
 * The statement recording one entry, to run alone or inside the batch of the change it records;
 * with `onlyIf`, only when that SQL condition holds (the change happened).
 */
export function auditStatement(
  db: D1Database,
  entry: AuditEntry,
  at = Date.now(),
  onlyIf?: { sql: string; params: unknown[] },
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO audit_log (id, partner_id, organization_id, action, actor_type, actor_id, actor_email, details, created_at)
       SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?${onlyIf ? ` WHERE ${onlyIf.sql}` : ""}`,
    )
    .bind(
      entryId(at),
      entry.partnerId,
      entry.organizationId,
      entry.action,
      entry.actor.type,
      entry.actor.id,
      entry.actor.type === "api_key" ? null : entry.actor.email,
      JSON.stringify(entry.details ?? {}),
      isoSeconds(at),
      ...(onlyIf?.params ?? []),
    );
}

export async function recordAudit(db: D1Database, entry: AuditEntry): Promise<void> {
  await auditStatement(db, entry).run();
}

export interface AuditFilter {
  organizationId?: string;
  action?: AuditAction;
  /** Inclusive ISO bounds. */
  from?: string;
  to?: string;
}

/** A page: `offset` rows in, or after `after` (a keyset, then nothing is counted). */
export interface AuditPage {
  limit: number;
  offset: number;
  after: Keyset | null;
}

/**
 * A page of the partner's entries, newest first, whether more follow, and (by page number only)
 * how many match, counted up to COUNT_LIMIT.
 */
export async function listAudit(db: D1Database, partnerId: string, filter: AuditFilter, page: AuditPage) {
  const conditions: [string, unknown][] = [["partner_id = ?", partnerId]];
  if (filter.organizationId) conditions.push(["organization_id = ?", filter.organizationId]);
  if (filter.action) conditions.push(["action = ?", filter.action]);
  if (filter.from) conditions.push(["created_at >= ?", filter.from]);
  if (filter.to) conditions.push(["created_at <= ?", filter.to]);
  const clause = `WHERE ${conditions.map(([sql]) => sql).join(" AND ")}`;
  const params = conditions.map(([, value]) => value);
  const keyset = page.after ? " AND (created_at, id) < (?, ?)" : "";
  const [rows, count] = await db.batch<AuditRow | { total: number | null }>([
    db
      .prepare(`SELECT * FROM audit_log ${clause}${keyset} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`)
      .bind(...params, ...(page.after ? [page.after.at, page.after.id] : []), page.limit + 1, page.offset),
    page.after
      ? db.prepare("SELECT NULL AS total")
      : db
          .prepare(`SELECT count(*) AS total FROM (SELECT 1 FROM audit_log ${clause} LIMIT ${COUNT_LIMIT})`)
          .bind(...params),
  ]);
  const found = rows!.results as AuditRow[];
  return {
    entries: found.slice(0, page.limit).map(toEntry),
    more: found.length > page.limit,
    total: (count!.results[0] as { total: number | null }).total,
  };
}

function toEntry(row: AuditRow) {
  return {
    id: row.id,
    action: row.action,
    organizationId: row.organization_id,
    actor: { type: row.actor_type, id: row.actor_id, email: row.actor_email },
    details: JSON.parse(row.details) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}
