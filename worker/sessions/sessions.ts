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
  consoleMay,
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
  /** The console session a client dashboard was opened from: it ends with it. */
  parentId: string | null;
  /** Absolute end. */
  expiresAt: string;
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
  parent_id: string | null;
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

/** The console session a client's dashboard is opened from, and who is behind it. */
export type Opener = Pick<DashboardSession, "id" | "email" | "expiresAt">;

/**
 * Starts a session for a redeemed link (and records it); `openedBy` when staff open a client's
 * dashboard: the new session then never outlives the console session. The audit entry (in the
 * partner's shard) is written before the session (in the catalog).
 */
export async function startSession(
  tenant: TenantEnv,
  link: Omit<RedeemedLink, "mailed"> & { openedBy?: Opener },
): Promise<StartedSession> {
  const secret = randomHex(32);
  const id = newId("dss");
  const now = Date.now();
  const opener = link.openedBy ?? null;
  const expiresAt = isoSeconds(Math.min(now + ABSOLUTE_TIMEOUT_MS, opener ? Date.parse(opener.expiresAt) : Infinity));
  await (
    opener
      ? auditStatement(tenant.DB, {
          partnerId: link.partnerId,
          organizationId: link.organizationId,
          action: "client_dashboard.opened",
          actor: { type: "console_user", id: opener.id, email: opener.email },
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
           parent_id, created_at, last_seen_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      opener?.id ?? null,
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
      parentId: opener?.id ?? null,
      expiresAt,
      secret,
    },
    expiresAt,
  };
}

/**
 * Staff open a client's dashboard from their console session: the live dashboard session this
 * console session already opened for that client is handed a new secret (the browser gets it in
 * its cookie) instead of a new session being started, so clicking "Open" again adds no row.
 */
export async function openFromConsole(
  tenant: TenantEnv,
  staff: DashboardSession,
  organizationId: string,
): Promise<StartedSession> {
  const secret = randomHex(32);
  const now = Date.now();
  const reused = await tenant.CATALOG.prepare(
    `UPDATE dashboard_sessions SET secret_hash = ?, last_seen_at = ?
     WHERE parent_id = ? AND organization_id = ? AND ended_at IS NULL AND expires_at > ? AND last_seen_at > ?
     RETURNING *`,
  )
    .bind(
      await sha256Hex(secret),
      isoSeconds(now),
      staff.id,
      organizationId,
      isoSeconds(now),
      isoSeconds(now - IDLE_TIMEOUT_MS),
    )
    .first<SessionRow>();
  if (reused) return { session: toDashboardSession(reused, secret), expiresAt: reused.expires_at };
  return startSession(tenant, {
    partnerId: staff.partnerId,
    organizationId,
    email: staff.email,
    // Staff and console admins open it as a client admin; a console viewer as a client viewer.
    role: consoleMay(staff.role, "staff") ? "admin" : "viewer",
    host: staff.host,
    openedBy: staff,
  });
}

const toDashboardSession = (row: SessionRow, secret: string): DashboardSession => ({
  id: row.id,
  partnerId: row.partner_id,
  organizationId: row.organization_id,
  email: row.email,
  role: row.role,
  host: row.host,
  openedBy: row.opened_by,
  parentId: row.parent_id,
  expiresAt: row.expires_at,
  secret,
});

export interface FoundSession {
  session: DashboardSession;
  /** Set when the last activity should be written (at most once a minute): run it after the response. */
  touch: (() => Promise<unknown>) | null;
}

/**
 * The live session behind a cookie's secret on this host, or null: unknown, ended, idle for 12 h,
 * older than 7 days, on another host, of a suspended partner, of a canceled organization, or
 * opened from a console session that ended.
 */
export async function findSession(env: Env, secret: string, host: string): Promise<FoundSession | null> {
  if (!/^[0-9a-f]{64}$/.test(secret)) return null;
  const db = env.CATALOG;
  const row = await db
    .prepare(
      `SELECT s.*, p.status AS partner_status, p.shard, parent.ended_at AS parent_ended_at
       FROM dashboard_sessions s JOIN partners p ON p.id = s.partner_id
       LEFT JOIN dashboard_sessions parent ON parent.id = s.parent_id
       WHERE s.secret_hash = ?`,
    )
    .bind(await sha256Hex(secret))
    .first<SessionRow & { partner_status: string; shard: Shard; parent_ended_at: string | null }>();
  const now = Date.now();
  if (!row || statusOf(row, now) !== "active" || row.host !== host || row.partner_status !== "active") return null;
  if (row.parent_ended_at !== null) return null;
  if (row.organization_id !== null) {
    const organization = await tenantEnv(env, row.shard)
      .DB.prepare("SELECT status FROM organizations WHERE id = ?")
      .bind(row.organization_id)
      .first<{ status: string }>();
    if (organization?.status === "canceled") return null;
  }
  const stale = now - Date.parse(row.last_seen_at) >= TOUCH_RESOLUTION_MS;
  return {
    session: toDashboardSession(row, secret),
    touch: stale
      ? () =>
          db
            .prepare("UPDATE dashboard_sessions SET last_seen_at = ? WHERE id = ? AND ended_at IS NULL")
            .bind(isoSeconds(now), row.id)
            .run()
      : null,
  };
}

/** Ends a session and the client dashboards opened from it (a console session's). */
const endStatement = (db: D1Database, id: string, reason: "signed_out" | "revoked") =>
  db
    .prepare(
      "UPDATE dashboard_sessions SET ended_at = ?1, end_reason = ?2 WHERE (id = ?3 OR parent_id = ?3) AND ended_at IS NULL",
    )
    .bind(isoSeconds(), reason, id);

/** Sign-out by the person themselves. */
export async function signOut(tenant: TenantEnv, session: DashboardSession): Promise<void> {
  await auditStatement(tenant.DB, {
    partnerId: session.partnerId,
    organizationId: session.organizationId,
    action: "session.signed_out",
    actor: { type: session.organizationId ? "client_user" : "console_user", id: session.id, email: session.email },
  }).run();
  await endStatement(tenant.CATALOG, session.id, "signed_out").run();
}

/**
 * Revocation through the partner API; false when the partner has no such session. Ended sessions
 * stay as they ended; a console session's client dashboards end with it.
 */
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
  await endStatement(tenant.CATALOG, id, "revoked").run();
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

/** A session's row is kept this long after its absolute end (the sessions list shows it until then). */
export const KEPT_AFTER_END_MS = 30 * 24 * 3600_000;
/** Rows deleted per statement, so one cron run never holds the catalog long. */
const PRUNE_BATCH = 1_000;

/**
 * Forgets sessions 30 days after their absolute end, however they ended (every session ends by
 * then, client dashboards opened from the console no later than their console session). Run by the cron.
 */
export async function pruneSessions(db: D1Database, now = Date.now()): Promise<void> {
  try {
    for (let round = 0; round < 10; round++) {
      const { meta } = await db
        .prepare(
          `DELETE FROM dashboard_sessions WHERE id IN (
             SELECT id FROM dashboard_sessions WHERE expires_at < ? LIMIT ${PRUNE_BATCH})`,
        )
        .bind(isoSeconds(now - KEPT_AFTER_END_MS))
        .run();
      if (meta.changes < PRUNE_BATCH) return;
    }
  } catch (error) {
    console.error("pruning dashboard sessions failed", error);
  }
}
