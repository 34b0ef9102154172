import { isoSeconds } from "../lib/time";
import type { IcpConfigRow } from "./configs";
import { nextGeneration } from "./jobs";
import { MAX_CONFIGS_PER_ORGANIZATION, type IcpGroup } from "./schemas";

/** A page of the organization's configs in evaluation order, and how many it has. */
export async function icpConfigPage(
  db: D1Database,
  organizationId: string,
  pageSize: number,
  offset: number,
): Promise<{ rows: IcpConfigRow[]; total: number }> {
  const [rows, count] = await db.batch<IcpConfigRow | { total: number }>([
    db
      .prepare("SELECT * FROM icp_configs WHERE organization_id = ? ORDER BY priority, created_at, id LIMIT ? OFFSET ?")
      .bind(organizationId, pageSize, offset),
    db.prepare("SELECT count(*) AS total FROM icp_configs WHERE organization_id = ?").bind(organizationId),
  ]);
  return { rows: rows!.results as IcpConfigRow[], total: (count!.results[0] as { total: number }).total };
}

export interface IcpConfigFields {
  name: string;
  priority: number;
  enabled: boolean;
  groups: IcpGroup[];
}

/**
 * Creates a config and opens a new generation, together; the limit check is part of the insert,
 * so concurrent creations cannot pass it together. The generation to re-score, or null when the
 * organization has MAX_CONFIGS_PER_ORGANIZATION already (nothing written).
 */
export async function insertIcpConfig(
  db: D1Database,
  organizationId: string,
  id: string,
  config: IcpConfigFields,
): Promise<number | null> {
  const at = isoSeconds();
  const [insert, bump] = await db.batch<{ generation: number }>([
    db
      .prepare(
        `INSERT INTO icp_configs (id, organization_id, name, priority, enabled, groups, created_at, updated_at)
         SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM icp_configs WHERE organization_id = ?) < ?`,
      )
      .bind(
        id,
        organizationId,
        config.name,
        config.priority,
        config.enabled ? 1 : 0,
        JSON.stringify(config.groups),
        at,
        at,
        organizationId,
        MAX_CONFIGS_PER_ORGANIZATION,
      ),
    nextGeneration(db, organizationId, id),
  ]);
  return insert!.meta.changes === 1 ? bump!.results[0]!.generation : null;
}

/**
 * Changes the fields given. A new name shows through the visitors' join at once; anything else
 * changes who matches, so it opens a new generation: returned to re-score (undefined when none).
 */
export async function updateIcpConfig(
  db: D1Database,
  organizationId: string,
  id: string,
  change: Partial<IcpConfigFields>,
): Promise<number | undefined> {
  const update = db
    .prepare(
      `UPDATE icp_configs SET name = coalesce(?, name), priority = coalesce(?, priority), enabled = coalesce(?, enabled),
         groups = coalesce(?, groups), updated_at = ? WHERE id = ? AND organization_id = ?`,
    )
    .bind(
      change.name ?? null,
      change.priority ?? null,
      change.enabled === undefined ? null : change.enabled ? 1 : 0,
      change.groups ? JSON.stringify(change.groups) : null,
      isoSeconds(),
      id,
      organizationId,
    );
  const rescore = change.priority !== undefined || change.enabled !== undefined || change.groups !== undefined;
  if (!rescore) {
    await update.run();
    return undefined;
  }
  const [, bump] = await db.batch<{ generation: number }>([update, nextGeneration(db, organizationId, id)]);
  return bump!.results[0]?.generation;
}

/** Deletes the config and opens a new generation, together; returns it, to re-score. */
export async function deleteIcpConfig(db: D1Database, organizationId: string, id: string): Promise<number> {
  const [, bump] = await db.batch<{ generation: number }>([
    db.prepare("DELETE FROM icp_configs WHERE id = ? AND organization_id = ?").bind(id, organizationId),
    nextGeneration(db, organizationId),
  ]);
  return bump!.results[0]!.generation;
}
