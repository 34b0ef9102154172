import { isoSeconds } from "../lib/time";
import type { HostnameReading, HostnameState } from "./status";

export interface HostnameRow {
  hostname: string;
  cloudflare_id: string | null;
  state: HostnameState;
  status: string | null;
  ssl_status: string | null;
  /** JSON: [{ type, name, value }]. */
  validation_records: string;
  /** JSON: [string]. */
  errors: string;
  checks: number;
  next_check_at: string | null;
  checked_at: string | null;
  active_at: string | null;
  failed_at: string | null;
  created_at: string;
  updated_at: string;
}

export const findHostnameRow = (db: D1Database, hostname: string) =>
  db.prepare("SELECT * FROM custom_hostnames WHERE hostname = ?").bind(hostname).first<HostnameRow>();

export const hostnameOfCloudflareId = (db: D1Database, id: string) =>
  db.prepare("SELECT * FROM custom_hostnames WHERE cloudflare_id = ?").bind(id).first<HostnameRow>();

/** Rows whose next check is due, oldest first. */
export const dueHostnames = (db: D1Database, now: number, limit: number) =>
  db
    .prepare("SELECT * FROM custom_hostnames WHERE next_check_at <= ? ORDER BY next_check_at LIMIT ?")
    .bind(isoSeconds(now), limit)
    .all<HostnameRow>()
    .then((r) => r.results);

/**
 * Writes what Cloudflare said (or why it could not be asked), only if the row is still in the state
 * it was read in: of two checks racing, one records a change of state. Returns whether it wrote.
 */
export async function recordReading(
  db: D1Database,
  row: HostnameRow,
  reading: HostnameReading,
  schedule: { checks: number; nextCheckAt: string | null },
  now: number,
): Promise<boolean> {
  const at = isoSeconds(now);
  const changed = reading.state !== row.state;
  const result = await db
    .prepare(
      `UPDATE custom_hostnames SET cloudflare_id = coalesce(?, cloudflare_id), state = ?, status = coalesce(?, status),
         ssl_status = coalesce(?, ssl_status), validation_records = coalesce(?, validation_records), errors = ?, checks = ?, next_check_at = ?, checked_at = ?, active_at = ?, failed_at = ?,
         updated_at = ?
       WHERE hostname = ? AND state = ?`,
    )
    .bind(
      reading.cloudflareId,
      reading.state,
      reading.status,
      reading.sslStatus,
      reading.records && JSON.stringify(reading.records),
      JSON.stringify(reading.errors),
      schedule.checks,
      schedule.nextCheckAt,
      at,
      reading.state === "active" ? (changed ? at : row.active_at) : null,
      reading.state === "failed" ? (changed ? at : row.failed_at) : null,
      at,
      row.hostname,
      row.state,
    )
    .run();
  return result.meta.changes > 0;
}

/** A new row for a claimed host name, unless one exists; returns the row either way. */
export async function insertHostname(db: D1Database, hostname: string, now: number): Promise<HostnameRow> {
  const at = isoSeconds(now);
  await db
    .prepare(
      `INSERT OR IGNORE INTO custom_hostnames (hostname, state, next_check_at, created_at, updated_at)
       VALUES (?, 'creating', ?, ?, ?)`,
    )
    .bind(hostname, at, at, at)
    .run();
  return (await findHostnameRow(db, hostname))!;
}

/** Sets a row back to be created or re-read from scratch (a new claim of a failed or deleted host). */
export const resetHostname = (db: D1Database, row: HostnameRow, state: "creating" | "pending", now: number) =>
  db
    .prepare(
      `UPDATE custom_hostnames SET state = ?, cloudflare_id = CASE WHEN ? = 'creating' THEN NULL ELSE cloudflare_id END,
         checks = 0, next_check_at = ?, failed_at = NULL, active_at = NULL, errors = '[]', created_at = ?, updated_at = ?
       WHERE hostname = ? AND state = ?`,
    )
    .bind(state, state, isoSeconds(now), isoSeconds(now), isoSeconds(now), row.hostname, row.state)
    .run();

/** Marks rows no partner claims any more for deletion at Cloudflare (all of them, or this one). */
export const markUnclaimed = (db: D1Database, now: number, hostname?: string) =>
  db
    .prepare(
      `UPDATE custom_hostnames SET state = 'deleting', next_check_at = ?1, checks = 0, updated_at = ?1
       WHERE state != 'deleting' AND (?2 IS NULL OR hostname = ?2)
         AND NOT EXISTS (SELECT 1 FROM partners WHERE script_domain = custom_hostnames.hostname)`,
    )
    .bind(isoSeconds(now), hostname ?? null)
    .run();

/** A claim came back for a row being deleted: it is re-read (and re-created if Cloudflare deleted it meanwhile). */
export const reclaim = (db: D1Database, hostname: string, now: number) =>
  db
    .prepare(
      `UPDATE custom_hostnames SET state = CASE WHEN cloudflare_id IS NULL THEN 'creating' ELSE 'pending' END,
         next_check_at = ?1, checks = 0, updated_at = ?1
       WHERE hostname = ?2 AND state = 'deleting'`,
    )
    .bind(isoSeconds(now), hostname)
    .run();

/** Deleted at Cloudflare: the row goes, unless a claim came back meanwhile. */
export const dropDeleted = (db: D1Database, hostname: string) =>
  db.prepare("DELETE FROM custom_hostnames WHERE hostname = ? AND state = 'deleting'").bind(hostname).run();

export const rescheduleDeletion = (
  db: D1Database,
  hostname: string,
  checks: number,
  nextCheckAt: string,
  error: string,
) =>
  db
    .prepare(
      `UPDATE custom_hostnames SET checks = ?, next_check_at = ?, errors = ?, updated_at = ?
       WHERE hostname = ? AND state = 'deleting'`,
    )
    .bind(checks, nextCheckAt, JSON.stringify([error]), isoSeconds(), hostname)
    .run();

/** Host names partners claim that have no row yet (claimed before Cloudflare was configured), a batch. */
export const unprovisionedClaims = (db: D1Database, limit: number) =>
  db
    .prepare(
      `SELECT DISTINCT script_domain AS hostname FROM partners p
       WHERE script_domain IS NOT NULL AND NOT EXISTS (SELECT 1 FROM custom_hostnames h WHERE h.hostname = p.script_domain)
       LIMIT ?`,
    )
    .bind(limit)
    .all<{ hostname: string }>()
    .then((r) => r.results.map((x) => x.hostname));

/** The partners claiming a host name, and whether each verified it. */
export const claimantsOf = (db: D1Database, hostname: string) =>
  db
    .prepare(
      "SELECT id, script_domain_verified AS verified, script_domain_verified_at AS verified_at FROM partners WHERE script_domain = ?",
    )
    .bind(hostname)
    .all<{ id: string; verified: number; verified_at: string | null }>()
    .then((r) => r.results);

export const parse = <T = unknown>(json: string): T[] => JSON.parse(json) as T[];
