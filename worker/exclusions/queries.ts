import type { Actor } from "../audit/actions";
import { auditStatement } from "../audit/queries";
import { isoSeconds } from "../lib/time";
import { ExclusionRules, type Exclusions } from "./rules";

interface ExclusionRow {
  organization_id: string;
  domains: string;
  ip_ranges: string;
  updated_at: string;
}

const toExclusions = (row: ExclusionRow): Exclusions => ({
  domains: JSON.parse(row.domains) as string[],
  ipRanges: JSON.parse(row.ip_ranges) as string[],
});

export async function loadExclusions(db: D1Database, organizationId: string) {
  const row = await db
    .prepare("SELECT * FROM organization_exclusions WHERE organization_id = ?")
    .bind(organizationId)
    .first<ExclusionRow>();
  return {
    organizationId,
    ...(row ? toExclusions(row) : { domains: [], ipRanges: [] }),
    updatedAt: row?.updated_at ?? null,
  };
}

/** Replaces the organization's exclusions (already normalized) and records who did it. */
export async function saveExclusions(
  db: D1Database,
  owner: { partnerId: string; organizationId: string },
  exclusions: Exclusions,
  actor: Actor,
) {
  await db.batch([
    db
      .prepare(
        `INSERT INTO organization_exclusions (organization_id, domains, ip_ranges, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (organization_id) DO UPDATE SET domains = excluded.domains, ip_ranges = excluded.ip_ranges,
           updated_at = excluded.updated_at`,
      )
      .bind(
        owner.organizationId,
        JSON.stringify(exclusions.domains),
        JSON.stringify(exclusions.ipRanges),
        isoSeconds(),
      ),
    auditStatement(db, {
      ...owner,
      action: "exclusions.updated",
      actor,
      details: { domains: exclusions.domains.length, ipRanges: exclusions.ipRanges.length },
    }),
  ]);
  return loadExclusions(db, owner.organizationId);
}

/** The rules of each organization that has any, in one query (`rulesFrom` reads its answer). */
export function rulesStatement(db: D1Database, organizationIds: string[]): D1PreparedStatement {
  return db
    .prepare(
      `SELECT * FROM organization_exclusions WHERE organization_id IN (SELECT value FROM json_each(?))
         AND (domains != '[]' OR ip_ranges != '[]')`,
    )
    .bind(JSON.stringify([...new Set(organizationIds)]));
}

export function rulesFrom(result: D1Result): Map<string, ExclusionRules> {
  return new Map(
    (result.results as ExclusionRow[]).map((row) => [row.organization_id, new ExclusionRules(toExclusions(row))]),
  );
}
