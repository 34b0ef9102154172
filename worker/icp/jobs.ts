import { sendJobs } from "../jobs/message";
import type { TenantEnv } from "../shards";

/**
 * Statement that opens a new config generation for the organization; batch it after the config
 * write so the change and the generation move together. With `ifConfigExists`, only when that
 * config exists after the write (a refused insert must not stop a pass in progress).
 * Returns `generation` when it ran.
 */
export function nextGeneration(db: D1Database, organizationId: string, ifConfigExists?: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO icp_generations (organization_id, generation)
       SELECT ?, 1 WHERE ? IS NULL OR EXISTS (SELECT 1 FROM icp_configs WHERE id = ?)
       ON CONFLICT (organization_id) DO UPDATE SET generation = generation + 1, last_sweep_at = NULL
       RETURNING generation`,
    )
    .bind(organizationId, ifConfigExists ?? null, ifConfigExists ?? null);
}

/** Re-scores every visitor of the organization in the background (never inside the request). */
export async function enqueueRescore(env: TenantEnv, organizationId: string, generation: number): Promise<void> {
  await sendJobs(env, [{ type: "icp.rescore", organizationId, generation, after: null }]);
}
