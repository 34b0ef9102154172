import { randomHex } from "../lib/ids";

/** An organization's short key in the visitor tables and the salt of its visitor ids and device hashes. */
export interface OrganizationKey {
  key: number;
  salt: string;
}

/** Neither ever changes once written, so an isolate keeps what it read. */
const remembered = new Map<string, OrganizationKey>();

/** Creates the organization's key unless it has one (or the organization does not exist). */
export const organizationKeyStatement = (db: D1Database, organizationId: string) =>
  db
    .prepare(
      `INSERT OR IGNORE INTO organization_keys (organization_id, salt)
       SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM organizations WHERE id = ?1)`,
    )
    .bind(organizationId, randomHex(16));

/**
 * The keys of these organizations, created on their first hit (or by the ledger mirror). Organizations
 * that do not exist are left out of the answer.
 */
export async function organizationKeys(
  db: D1Database,
  organizationIds: string[],
): Promise<Map<string, OrganizationKey>> {
  const keys = new Map<string, OrganizationKey>();
  const unknown = organizationIds.filter((id) => {
    const key = remembered.get(id);
    if (key) keys.set(id, key);
    return !key;
  });
  if (unknown.length === 0) return keys;
  const read = async () => {
    const { results } = await db
      .prepare(
        "SELECT organization_id, key, salt FROM organization_keys WHERE organization_id IN (SELECT value FROM json_each(?))",
      )
      .bind(JSON.stringify(unknown))
      .all<{ organization_id: string; key: number; salt: string }>();
    return results;
  };
  let rows = await read();
  if (rows.length < unknown.length) {
    const found = new Set(rows.map((r) => r.organization_id));
    await db.batch(unknown.filter((id) => !found.has(id)).map((id) => organizationKeyStatement(db, id)));
    rows = await read();
  }
  for (const row of rows) {
    const key = { key: row.key, salt: row.salt };
    remembered.set(row.organization_id, key);
    keys.set(row.organization_id, key);
  }
  return keys;
}
