import { COUNT_LIMIT } from "../http/schemas";
import { isoSeconds } from "../lib/time";

/**
 * Suppressions: people (by email hash) a partner asked never to identify or charge again, in any of
 * its organizations. Everything here is read per partner, through the primary key or its time index.
 */

interface SuppressionRow {
  email_sha256: string;
  created_at: string;
}

export interface Suppression {
  emailSha256: string;
  createdAt: string;
}

const toSuppression = (row: SuppressionRow): Suppression => ({
  emailSha256: row.email_sha256,
  createdAt: row.created_at,
});

/** Suppresses the person; when they already were, the existing suppression and `created: false`. */
export async function addSuppression(db: D1Database, partnerId: string, emailSha256: string) {
  const inserted = await db
    .prepare(
      `INSERT INTO suppressions (partner_id, email_sha256, created_at) VALUES (?, ?, ?)
       ON CONFLICT DO NOTHING RETURNING email_sha256, created_at`,
    )
    .bind(partnerId, emailSha256, isoSeconds())
    .first<SuppressionRow>();
  if (inserted) return { suppression: toSuppression(inserted), created: true };
  const existing = await findSuppression(db, partnerId, emailSha256);
  return { suppression: existing!, created: false };
}

export async function findSuppression(db: D1Database, partnerId: string, emailSha256: string) {
  const row = await db
    .prepare("SELECT email_sha256, created_at FROM suppressions WHERE partner_id = ? AND email_sha256 = ?")
    .bind(partnerId, emailSha256)
    .first<SuppressionRow>();
  return row ? toSuppression(row) : null;
}

/** Lifts the suppression; false when there was none. */
export async function removeSuppression(db: D1Database, partnerId: string, emailSha256: string): Promise<boolean> {
  const { meta } = await db
    .prepare("DELETE FROM suppressions WHERE partner_id = ? AND email_sha256 = ?")
    .bind(partnerId, emailSha256)
    .run();
  return meta.changes > 0;
}

/** Where the previous page ended: its last row's creation time and hash. */
export type SuppressionPosition = readonly [createdAt: string, emailSha256: string];

/** A page of the partner's suppressions, newest first, and how many there are (counted up to COUNT_LIMIT). */
export async function listSuppressions(
  db: D1Database,
  partnerId: string,
  page: { limit: number; offset: number; after: SuppressionPosition | null },
) {
  const keyset = page.after ? "AND (created_at < ? OR (created_at = ? AND email_sha256 < ?))" : "";
  const keysetParams = page.after ? [page.after[0], page.after[0], page.after[1]] : [];
  const [rows, counted] = await db.batch<SuppressionRow | { total: number }>([
    db
      .prepare(
        `SELECT email_sha256, created_at FROM suppressions WHERE partner_id = ? ${keyset}
         ORDER BY created_at DESC, email_sha256 DESC LIMIT ? OFFSET ?`,
      )
      .bind(partnerId, ...keysetParams, page.limit + 1, page.after ? 0 : page.offset),
    db
      .prepare(`SELECT count(*) AS total FROM (SELECT 1 FROM suppressions WHERE partner_id = ? LIMIT ${COUNT_LIMIT})`)
      .bind(partnerId),
  ]);
  const found = rows!.results as SuppressionRow[];
  return {
    suppressions: found.slice(0, page.limit).map(toSuppression),
    more: found.length > page.limit,
    total: (counted!.results[0] as { total: number }).total,
  };
}

/**
 * Of these (partner, email hash) pairs, the suppressed ones as `partnerId|emailSha256`: one query for a batch
 * (`suppressedFrom` reads its answer). Null when there is nothing to ask.
 */
export function suppressedAmongStatement(
  db: D1Database,
  pairs: { partnerId: string; emailSha256: string }[],
): D1PreparedStatement | null {
  const keys = [...new Set(pairs.map((p) => `${p.partnerId}|${p.emailSha256}`))];
  if (keys.length === 0) return null;
  return db
    .prepare(
      `SELECT s.partner_id || '|' || s.email_sha256 AS pair FROM json_each(?) j
       JOIN suppressions s ON s.partner_id = substr(j.value, 1, instr(j.value, '|') - 1)
         AND s.email_sha256 = substr(j.value, instr(j.value, '|') + 1)`,
    )
    .bind(JSON.stringify(keys));
}

export const suppressedFrom = (result: D1Result) => new Set((result.results as { pair: string }[]).map((r) => r.pair));
