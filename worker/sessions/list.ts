import { COUNT_LIMIT } from "../http/schemas";
import type { Keyset } from "../lib/cursor";
import { isoSeconds } from "../lib/time";
import { IDLE_TIMEOUT_MS, type SessionRole, type SessionStatus } from "./rules";
import { statusOf } from "./sessions";

interface ListedRow {
  id: string;
  organization_id: string | null;
  email: string;
  role: SessionRole;
  host: string;
  opened_by: string | null;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ended_at: string | null;
  end_reason: "signed_out" | "revoked" | null;
}

export interface SessionFilter {
  organizationId?: string;
  email?: string;
  /** Default: active sessions only. */
  status?: SessionStatus | "all";
}

/** A page: `offset` rows in, or after `after` (a keyset, then nothing is counted). */
export interface SessionPage {
  limit: number;
  offset: number;
  after: Keyset | null;
}

/**
 * A page of the partner's sessions, newest first, whether more follow, and (by page number only)
 * how many match, counted up to COUNT_LIMIT.
 */
export async function listSessions(db: D1Database, partnerId: string, filter: SessionFilter, page: SessionPage) {
  const now = Date.now();
  const idleSince = isoSeconds(now - IDLE_TIMEOUT_MS);
  const nowIso = isoSeconds(now);
  const conditions: [string, unknown[]][] = [["partner_id = ?", [partnerId]]];
  if (filter.organizationId) conditions.push(["organization_id = ?", [filter.organizationId]]);
  if (filter.email) conditions.push(["lower(email) = lower(?)", [filter.email]]);
  const status = filter.status ?? "active";
  if (status === "active")
    conditions.push(["ended_at IS NULL AND expires_at > ? AND last_seen_at > ?", [nowIso, idleSince]]);
  if (status === "expired")
    conditions.push(["ended_at IS NULL AND (expires_at <= ? OR last_seen_at <= ?)", [nowIso, idleSince]]);
  if (status === "signed_out" || status === "revoked") conditions.push(["end_reason = ?", [status]]);
  const clause = `WHERE ${conditions.map(([sql]) => sql).join(" AND ")}`;
  const params = conditions.flatMap(([, values]) => values);
  const keyset = page.after ? " AND (created_at, id) < (?, ?)" : "";
  const [rows, count] = await db.batch<ListedRow | { total: number }>([
    db
      .prepare(`SELECT * FROM dashboard_sessions ${clause}${keyset} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`)
      .bind(...params, ...(page.after ? [page.after.at, page.after.id] : []), page.limit + 1, page.offset),
    page.after
      ? db.prepare("SELECT NULL AS total")
      : db
          .prepare(`SELECT count(*) AS total FROM (SELECT 1 FROM dashboard_sessions ${clause} LIMIT ${COUNT_LIMIT})`)
          .bind(...params),
  ]);
  const found = rows!.results as ListedRow[];
  return {
    sessions: found.slice(0, page.limit).map((row) => toSession(row, now)),
    more: found.length > page.limit,
    total: (count!.results[0] as { total: number | null }).total,
  };
}

function toSession(row: ListedRow, now: number) {
  const idleEnd = Date.parse(row.last_seen_at) + IDLE_TIMEOUT_MS;
  return {
    id: row.id,
    kind: row.organization_id ? ("dashboard" as const) : ("console" as const),
    organizationId: row.organization_id,
    email: row.email,
    role: row.role,
    host: row.host,
    openedBy: row.opened_by,
    status: statusOf(row, now),
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: isoSeconds(Math.min(idleEnd, Date.parse(row.expires_at))),
    endedAt: row.ended_at,
  };
}
