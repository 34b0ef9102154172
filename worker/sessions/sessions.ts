import type { Env } from "../env";
import { tenantEnv, type Shard, type TenantEnv } from "../shards";
import { auditStatement } from "../audit/queries";
import { sha256Hex } from "../lib/crypto";
import { newId, randomHex } from "../lib/ids";
import { isoSeconds } from "../lib/time";
import type { RedeemedLink } from "./links";
import {
  ABSOLUTE_TIMEOUT_MS,
  IDLE_TIMEOUT_MS,
  TOUCH_RESOLUTION_MS,
  type SessionRole,
  type SessionStatus,
} from "./rules";

/** A signed-in person: a client's user (organizationId set) or the partner's staff (console). */
export interface DashboardSession {
  id: string;
  partnerId: string;
  organizationId: string | null;
  email: string;
  role: SessionRole;
  host: string;
  openedBy: string | null;
  /** The cookie's secret: the CSRF token derives from it. */
  secret: string;
}

interface SessionRow {
  id: string;
  partner_id: string;
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

export interface StartedSession {
  session: DashboardSession;
  expiresAt: string;
}

/**
 * Starts a session for a redeemed link (and records it); `openedBy` when staff open a client's
 * dashboard. The audit entry (in the partner's shard) is written before the session (in the catalog).
 */
export async function startSession(
  tenant: TenantEnv,
  link: RedeemedLink & { openedBy?: { sessionId: string; email: string } },
): Promise<StartedSession> {
  const secret = randomHex(32);
  const id = newId("dss");
  const now = Date.now();
  const expiresAt = isoSeconds(now + ABSOLUTE_TIMEOUT_MS);
  const opener = link.openedBy ?? null;
  await (
    opener
      ? auditStatement(tenant.DB, {
          partnerId: link.partnerId,
          organizationId: link.organizationId,
          action: "client_dashboard.opened",
          actor: { type: "console_user", id: opener.sessionId, email: opener.email },
          details: { sessionId: id },
        })
      : auditStatement(tenant.DB, {
          partnerId: link.partnerId,
          organizationId: link.organizationId,
          action: "session.started",
          actor: { type: link.organizationId ? "client_user" : "console_user", id, email: link.email },
          details: { role: link.role, host: link.host },
        })
  ).run();
  await tenant.CATALOG.prepare(
    `INSERT INTO dashboard_sessions (id, secret_hash, partner_id, organization_id, email, role, host, opened_by,
           created_at, last_seen_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
    .bind(
      id,
      await sha256Hex(secret),
      link.partnerId,
      link.organizationId,
      link.email,
      link.role,
      link.host,
      opener?.email ?? null,
      isoSeconds(now),
      isoSeconds(now),
      expiresAt,
    )
    .run();
  return {
    session: {
      id,
      partnerId: link.partnerId,
      organizationId: link.organizationId,
      email: link.email,
      role: link.role,
      host: link.host,
      openedBy: opener?.email ?? null,
      secret,
    },
    expiresAt,
  };
}

export interface FoundSession {
  session: DashboardSession;
  /** Set when the last activity should be written (at most once a minute): run it after the response. */
  touch: (() => Promise<unknown>) | null;
}

/**
 * The live session behind a cookie's secret on this host, or null: unknown, ended, idle for 12 h,
 * older than 7 days, on another host, of a suspended partner or of a canceled organization.
 */
export async function findSession(env: Env, secret: string, host: string): Promise<FoundSession | null> {
  if (!/^[0-9a-f]{64}$/.test(secret)) return null;
  const db = env.CATALOG;
  const row = await db
    .prepare(
      `SELECT s.*, p.status AS partner_status, p.shard
       FROM dashboard_sessions s JOIN partners p ON p.id = s.partner_id WHERE s.secret_hash = ?`,
    )
    .bind(await sha256Hex(secret))
    .first<SessionRow & { partner_status: string; shard: Shard }>();
  const now = Date.now();
  if (!row || statusOf(row, now) !== "active" || row.host !== host || row.partner_status !== "active") return null;
  if (row.organization_id !== null) {
    const organization = await tenantEnv(env, row.shard)
      .DB.prepare("SELECT status FROM organizations WHERE id = ?")
      .bind(row.organization_id)
      .first<{ status: string }>();
    if (organization?.status === "canceled") return null;
  }
  const stale = now - Date.parse(row.last_seen_at) >= TOUCH_RESOLUTION_MS;
  return {
    session: {
      id: row.id,
      partnerId: row.partner_id,
      organizationId: row.organization_id,
      email: row.email,
      role: row.role,
      host: row.host,
      openedBy: row.opened_by,
      secret,
    },
    touch: stale
      ? () =>
          db
            .prepare("UPDATE dashboard_sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL")
            .bind(isoSeconds(now), row.id)
            .run()
      : null,
  };
}

/** Sign-out by the person themselves. */
export async function signOut(tenant: TenantEnv, session: DashboardSession): Promise<void> {
  await auditStatement(tenant.DB, {
    partnerId: session.partnerId,
    organizationId: session.organizationId,
    action: "session.signed_out",
    actor: { type: session.organizationId ? "client_user" : "console_user", id: session.id, email: session.email },
  }).run();
  await tenant.CATALOG.prepare(
    "UPDATE dashboard_sessions SET ended_at = ?, end_reason = 'signed_out' WHERE id = ? AND ended_at IS NULL",
  )
    .bind(isoSeconds(), session.id)
    .run();
}

/** Revocation through the partner API; false when the partner has no such session. Ended sessions stay as they ended. */
export async function revokeSession(tenant: TenantEnv, partnerId: string, id: string, apiKeyId: string) {
  const row = await tenant.CATALOG.prepare(
    "SELECT id, organization_id FROM dashboard_sessions WHERE id = ? AND partner_id = ?",
  )
    .bind(id, partnerId)
    .first<{ id: string; organization_id: string | null }>();
  if (!row) return false;
  await auditStatement(tenant.DB, {
    partnerId,
    organizationId: row.organization_id,
    action: "session.revoked",
    actor: { type: "api_key", id: apiKeyId },
    details: { sessionId: id },
  }).run();
  await tenant.CATALOG.prepare(
    "UPDATE dashboard_sessions SET ended_at = ?, end_reason = 'revoked' WHERE id = ? AND ended_at IS NULL",
  )
    .bind(isoSeconds(), id)
    .run();
  return true;
}

export function statusOf(
  row: Pick<SessionRow, "ended_at" | "end_reason" | "expires_at" | "last_seen_at">,
  now: number,
): SessionStatus {
  if (row.ended_at) return row.end_reason ?? "revoked";
  if (Date.parse(row.expires_at) <= now || Date.parse(row.last_seen_at) + IDLE_TIMEOUT_MS <= now) return "expired";
  return "active";
}

export interface SessionFilter {
  organizationId?: string;
  email?: string;
  /** Default: active sessions only. */
  status?: SessionStatus | "all";
}

/** A page of the partner's sessions, newest first, and how many match. */
export async function listSessions(
  db: D1Database,
  partnerId: string,
  filter: SessionFilter,
  limit: number,
  offset: number,
) {
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
  const [rows, count] = await db.batch<SessionRow | { total: number }>([
    db
      .prepare(`SELECT * FROM dashboard_sessions ${clause} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`)
      .bind(...params, limit, offset),
    db.prepare(`SELECT count(*) AS total FROM dashboard_sessions ${clause}`).bind(...params),
  ]);
  return {
    sessions: (rows!.results as SessionRow[]).map((row) => toSession(row, now)),
    total: (count!.results[0] as { total: number }).total,
  };
}

function toSession(row: SessionRow, now: number) {
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
