import { configOf, type CloudflareConfig } from "../config";
import type { Env } from "../env";
import { isoSeconds } from "../lib/time";
import {
  CLOUDFLARE_CODES,
  CloudflareError,
  createHostname,
  deleteHostname,
  findHostname,
  getHostname,
  restartValidation,
  type CloudflareHostname,
} from "./cloudflare";
import { announceTransition } from "./events";
import {
  dropDeleted,
  dueHostnames,
  findHostnameRow,
  hostnameOfCloudflareId,
  insertHostname,
  markUnclaimed,
  reclaim,
  recordReading,
  rescheduleDeletion,
  resetHostname,
  unprovisionedClaims,
  type HostnameRow,
} from "./queries";
import { readHostname, type HostnameReading } from "./status";

/**
 * A partner's domain as a custom hostname of the platform's zone, from its first claim to its
 * deletion. Cloudflare validates on its own schedule (75 tries over 7 days, then it gives up:
 * hostname-validation/backoff-schedule); we re-read what it says when the partner asks, when
 * Cloudflare notifies us, and from the cron with a backoff of our own.
 */

const MINUTE = 60_000;
/** Cloudflare's validation window: after it, a hostname that never activated is gone. */
const VALIDATION_WINDOW_MS = 7 * 24 * 60 * MINUTE;
/** Active hostnames are re-read daily: one whose CNAME was removed turns "moved". */
const ACTIVE_RECHECK_MS = 24 * 60 * MINUTE;
const POLL_BATCH = 50;

/** The cron runs every 15 minutes: checks back off from there, doubling, up to every 4 hours. */
export const nextCheckDelay = (checks: number) => Math.min(15 * MINUTE * 2 ** checks, 4 * 60 * MINUTE);

/** Cloudflare refused the host name as it is (invalid, reserved, …): the partner has to choose another. */
export class HostnameRefused extends Error {}

function schedule(reading: HostnameReading, row: HostnameRow, now: number, manual: boolean) {
  const checks = manual || reading.state !== row.state ? 0 : row.checks + 1;
  const delay =
    reading.state === "active"
      ? ACTIVE_RECHECK_MS
      : reading.state === "failed"
        ? null
        : // a manual check means DNS just changed: look again at the next cron run
          nextCheckDelay(checks);
  return { checks, nextCheckAt: delay === null ? null : isoSeconds(now + delay) };
}

async function record(env: Env, row: HostnameRow, reading: HostnameReading, now: number, manual = false) {
  if (await recordReading(env.CATALOG, row, reading, schedule(reading, row, now, manual), now)) {
    if (reading.state !== row.state) await announceTransition(env, row.hostname, reading.state);
  }
  return (await findHostnameRow(env.CATALOG, row.hostname))!;
}

/** Creates the hostname at Cloudflare, or adopts the zone's hostname of that name (created before, by us or by hand). */
async function create(cf: CloudflareConfig, hostname: string, partnerId: string): Promise<CloudflareHostname> {
  try {
    return await createHostname(cf, hostname, partnerId);
  } catch (error) {
    if (!(error instanceof CloudflareError && error.has(CLOUDFLARE_CODES.duplicate))) throw error;
    const existing = await findHostname(cf, hostname);
    if (!existing) throw error;
    return existing;
  }
}

/**
 * One creation attempt: what to record. Cloudflare refusing the name itself throws
 * `HostnameRefused` for a new claim (`refuse`), else is recorded as failed.
 */
async function attemptCreate(cf: CloudflareConfig, row: HostnameRow, partnerId: string, now: number, refuse: boolean) {
  try {
    return readHostname(await create(cf, row.hostname, partnerId));
  } catch (error) {
    if (!(error instanceof CloudflareError)) throw error;
    if (error.permanent && refuse) throw new HostnameRefused(error.message);
    if (error.permanent) {
      const refused: HostnameReading = {
        cloudflareId: null,
        state: "failed",
        status: null,
        sslStatus: null,
        records: null,
        errors: [error.message],
      };
      return refused;
    }
    if (error.has(CLOUDFLARE_CODES.quotaExceeded)) console.error("custom hostname quota exceeded", row.hostname);
    const gaveUp = now - Date.parse(row.created_at) > VALIDATION_WINDOW_MS;
    return {
      cloudflareId: null,
      state: gaveUp ? "failed" : "creating",
      status: null,
      sslStatus: null,
      records: null,
      errors: [
        error.has(CLOUDFLARE_CODES.quotaExceeded)
          ? "The platform's custom hostname quota at Cloudflare is used up; the operator has been told. Retried automatically."
          : `Cloudflare could not create the hostname yet (${error.message}); retried automatically.`,
      ],
    } satisfies HostnameReading;
  }
}

/**
 * Reads the hostname again from Cloudflare. One Cloudflare no longer has was deleted: after its
 * validation window that is its verdict (failed); sooner (a deletion that raced a new claim) it is
 * created again.
 */
async function reread(env: Env, cf: CloudflareConfig, row: HostnameRow, partnerId: string | null, now: number) {
  const found = await getHostname(cf, row.cloudflare_id!);
  if (found) return readHostname(found);
  if (now - Date.parse(row.created_at) > VALIDATION_WINDOW_MS || partnerId === null) {
    return {
      cloudflareId: null,
      state: "failed",
      status: "deleted",
      sslStatus: null,
      records: [],
      errors: ["Cloudflare deleted the hostname: it did not validate within its 7-day retry schedule."],
    } satisfies HostnameReading;
  }
  await resetHostname(env.CATALOG, row, "creating", now);
  return attemptCreate(cf, (await findHostnameRow(env.CATALOG, row.hostname))!, partnerId, now, false);
}

/**
 * A partner claims `hostname` (sets it as its domain): its custom hostname is created, unless one
 * exists. One that failed or was being deleted starts again. Throws `HostnameRefused` when
 * Cloudflare refuses the name; without Cloudflare configured, does nothing.
 */
export async function claimHostname(env: Env, hostname: string, partnerId: string, now = Date.now(), refuse = true) {
  const cf = configOf(env).cloudflare;
  if (!cf) return null;
  let row = await insertHostname(env.CATALOG, hostname, now);
  if (row.state === "deleting") {
    await reclaim(env.CATALOG, hostname, now);
    row = (await findHostnameRow(env.CATALOG, hostname))!;
  }
  return checkHostname(env, row, partnerId, now, true, refuse);
}

/**
 * Asks Cloudflare now (the partner's "check", a notification, or the cron): creates what is not
 * created yet, re-reads what is, and starts a failed hostname's validation again when the partner
 * asks (`manual`), since that is how they say DNS is fixed.
 */
export async function checkHostname(
  env: Env,
  row: HostnameRow,
  partnerId: string | null,
  now: number,
  manual: boolean,
  refuse = false,
) {
  const cf = configOf(env).cloudflare;
  if (!cf || row.state === "deleting") return row;
  let reading: HostnameReading;
  if (row.state === "creating" || (row.cloudflare_id === null && manual)) {
    if (partnerId === null) return row;
    if (row.state !== "creating") await resetHostname(env.CATALOG, row, "creating", now);
    row = (await findHostnameRow(env.CATALOG, row.hostname))!;
    reading = await attemptCreate(cf, row, partnerId, now, refuse);
  } else if (row.state === "failed") {
    if (!manual || partnerId === null) return row;
    try {
      reading = readHostname(await restartValidation(cf, row.cloudflare_id!));
    } catch (error) {
      if (!(error instanceof CloudflareError && (error.status === 404 || error.has(CLOUDFLARE_CODES.notFound))))
        throw error;
      await resetHostname(env.CATALOG, row, "creating", now);
      row = (await findHostnameRow(env.CATALOG, row.hostname))!;
      reading = await attemptCreate(cf, row, partnerId, now, refuse);
    }
  } else {
    reading = await reread(env, cf, row, partnerId, now);
    row = (await findHostnameRow(env.CATALOG, row.hostname))!;
  }
  return record(env, row, reading, now, manual);
}

/** The partner's claim of `hostname` ended: a hostname nobody claims any more is deleted at Cloudflare. */
export async function releaseHostname(env: Env, hostname: string, now = Date.now()) {
  if (!configOf(env).cloudflare) return;
  await markUnclaimed(env.CATALOG, now, hostname);
  const row = await findHostnameRow(env.CATALOG, hostname);
  if (row?.state === "deleting") await deleteNow(env, row, now);
}

async function deleteNow(env: Env, row: HostnameRow, now: number) {
  const cf = configOf(env).cloudflare!;
  try {
    if (row.cloudflare_id) await deleteHostname(cf, row.cloudflare_id);
    await dropDeleted(env.CATALOG, row.hostname);
  } catch (error) {
    if (!(error instanceof CloudflareError)) throw error;
    const checks = row.checks + 1;
    await rescheduleDeletion(
      env.CATALOG,
      row.hostname,
      checks,
      isoSeconds(now + nextCheckDelay(checks)),
      error.message,
    );
  }
}

/**
 * The cron: hostnames claimed before Cloudflare was configured get one; unclaimed ones are
 * deleted; due ones are read again. Never throws: a failure is logged (per hostname when it is
 * one hostname's) and the rest of the cron runs.
 */
export async function maintainHostnames(env: Env, now = Date.now()) {
  if (!configOf(env).cloudflare) return;
  const db = env.CATALOG;
  try {
    for (const hostname of await unprovisionedClaims(db, POLL_BATCH)) await insertHostname(db, hostname, now);
    await markUnclaimed(db, now);
    for (const row of await dueHostnames(db, now, POLL_BATCH)) {
      try {
        if (row.state === "deleting") await deleteNow(env, row, now);
        else await checkHostname(env, row, await anyClaimant(db, row.hostname), now, false);
      } catch (error) {
        console.error("custom hostname check failed", row.hostname, error);
      }
    }
  } catch (error) {
    console.error("custom hostname maintenance failed", error);
  }
}

const anyClaimant = async (db: D1Database, hostname: string) =>
  (
    await db
      .prepare("SELECT id FROM partners WHERE script_domain = ? ORDER BY script_domain_verified DESC LIMIT 1")
      .bind(hostname)
      .first<{ id: string }>()
  )?.id ?? null;

/**
 * Cloudflare notified us about a hostname (an SSL for SaaS notification): the payload is only a
 * hint; what Cloudflare's API says now is recorded. False when the hostname is not ours.
 */
export async function hostnameNotified(env: Env, cloudflareId: string, now = Date.now()): Promise<boolean> {
  const row = await hostnameOfCloudflareId(env.CATALOG, cloudflareId);
  if (!row) return false;
  await checkHostname(env, row, await anyClaimant(env.CATALOG, row.hostname), now, false);
  return true;
}
