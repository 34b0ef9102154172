import { notFound } from "../lib/errors";
import type { EvaluableConfig } from "./evaluate";
import type { IcpGroup } from "./schemas";

export interface IcpConfigRow {
  id: string;
  organization_id: string;
  name: string;
  priority: number;
  enabled: number;
  groups: string;
  created_at: string;
  updated_at: string;
}

/** The API's ICP config object. */
export function toIcpConfig(row: IcpConfigRow) {
  return {
    id: row.id,
    name: row.name,
    priority: row.priority,
    enabled: row.enabled === 1,
    groups: JSON.parse(row.groups) as IcpGroup[],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toEvaluable(row: IcpConfigRow): EvaluableConfig {
  const config = toIcpConfig(row);
  return {
    id: config.id,
    name: config.name,
    priority: config.priority,
    enabled: config.enabled,
    createdAt: config.createdAt,
    groups: config.groups,
  };
}

/** The organization's config, or 404 (the organization was already checked to be the partner's). */
export async function findIcpConfig(db: D1Database, organizationId: string, id: string): Promise<IcpConfigRow> {
  const row = await db
    .prepare("SELECT * FROM icp_configs WHERE id = ? AND organization_id = ?")
    .bind(id, organizationId)
    .first<IcpConfigRow>();
  if (!row) throw notFound("ICP config");
  return row;
}

/** Enabled configs of these organizations, in evaluation order, as one statement. */
export function enabledConfigsOf(db: D1Database, organizationIds: string[]): D1PreparedStatement {
  return db
    .prepare(
      `SELECT * FROM icp_configs WHERE organization_id IN (SELECT value FROM json_each(?)) AND enabled = 1
       ORDER BY organization_id, priority, created_at, id`,
    )
    .bind(JSON.stringify(organizationIds));
}
