import { counterFor } from "../credits/counter-client";
import { readCounterConfigs } from "../credits/queries";
import type { TenantEnv } from "../shards";
import { sendJobs, type SyncOrganizationsJob } from "../jobs/message";
import { pixelRows, pixelRowsAfter, putPixelRecords, toRecord, type PixelRecord } from "../pixel-config/record";
import { markSynced, readSweepCursor, unsyncedOrganizations, writeSweepCursor } from "./queries";

/** Organizations per `organizations.sync-batch` job: each is one counter call and one KV write. */
export const SYNC_BATCH = 50;
/** Organization ids read per page of a fan-out (split into batches). */
const FAN_OUT_PAGE = 1_000;
/** KV records compared with D1 per cron run. */
const SWEEP_PAGE = 1_000;
/** Counters called at once. */
const PARALLEL = 10;

/**
 * Brings the copies of these organizations up to D1: their counters' settings (status, partner
 * settings, allocation by version) and their KV pixel records, which are always rewritten. Then
 * marks the version they got as synced. Safe to repeat.
 */
export async function syncOrganizations(env: TenantEnv, organizationIds: string[]): Promise<void> {
  if (organizationIds.length === 0) return;
  const [configs, rows] = await Promise.all([
    readCounterConfigs(env, organizationIds),
    pixelRows(env, organizationIds),
  ]);
  for (let i = 0; i < configs.length; i += PARALLEL) {
    await Promise.all(configs.slice(i, i + PARALLEL).map((c) => counterFor(env, c.organizationId).configure(c)));
  }
  await putPixelRecords(env, rows);
  await markSynced(
    env.DB,
    configs.map((c) => ({ id: c.organizationId, version: c.settingsVersion })),
  );
}

/**
 * Stops an organization's charges before a status route disables it in D1: its counter holds
 * until the new settings arrive (or, if the D1 write fails, until it reads D1 again).
 */
export async function holdCharges(env: TenantEnv, organizationId: string): Promise<void> {
  await counterFor(env, organizationId).hold();
}

/**
 * Cron: syncs every organization whose copies are behind D1 (a write-through that failed half-way)
 * and compares the next page of KV records with D1, both through the JOBS queue.
 */
export async function reconcileOrganizations(env: TenantEnv): Promise<void> {
  await sendJobs(env, [{ type: "organizations.sync", partnerId: null, after: null }, { type: "pixels.sweep" }]);
}

/** One page of the fan-out: batches of organizations to sync, and the next page. */
export async function fanOutSync(env: TenantEnv, job: SyncOrganizationsJob): Promise<void> {
  const ids = await unsyncedOrganizations(env.DB, job.partnerId, job.after, FAN_OUT_PAGE);
  const jobs = [];
  for (let i = 0; i < ids.length; i += SYNC_BATCH) {
    jobs.push({ type: "organizations.sync-batch" as const, organizationIds: ids.slice(i, i + SYNC_BATCH) });
  }
  if (ids.length === FAN_OUT_PAGE) jobs.push({ ...job, after: ids[ids.length - 1]! });
  await sendJobs(env, jobs);
}

/**
 * Compares the next page of KV pixel records with what D1 makes of them and syncs the
 * organizations whose record differs (missing, stale, or written wrongly). Each cron run moves
 * the cursor one page; at the end it starts over.
 */
export async function sweepPixels(env: TenantEnv): Promise<void> {
  const after = await readSweepCursor(env.DB, "pixels");
  const rows = await pixelRowsAfter(env, after, SWEEP_PAGE);
  const differing: string[] = [];
  for (let i = 0; i < rows.length; i += PARALLEL) {
    const page = rows.slice(i, i + PARALLEL);
    const stored = await Promise.all(page.map((row) => env.PIXELS.get<PixelRecord>(row.api_key, "json")));
    page.forEach((row, j) => {
      if (JSON.stringify(stored[j]) !== JSON.stringify(toRecord(row, env))) differing.push(row.organization_id);
    });
  }
  for (let i = 0; i < differing.length; i += SYNC_BATCH)
    await syncOrganizations(env, differing.slice(i, i + SYNC_BATCH));
  await writeSweepCursor(env.DB, "pixels", rows.length === SWEEP_PAGE ? rows[rows.length - 1]!.organization_id : "");
}
