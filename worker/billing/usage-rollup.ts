/**
 * Daily usage rollups (`usage_daily`), maintained by the queue consumer so the usage and
 * analytics endpoints never scan hits. Each store attempt tags its receipts with a random
 * write id; the rollup counts only receipts carrying this attempt's id, i.e. whose
 * `INSERT OR IGNORE` won, so a hit replayed into two consumer runs is counted once.
 */

const writeIds = new WeakMap<object, string>();

/** The random id of this store attempt for a hit (one per hit object, i.e. per attempt). */
export function writeIdOf(hit: object): string {
  let id = writeIds.get(hit);
  if (!id) {
    id = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("");
    writeIds.set(hit, id);
  }
  return id;
}

/**
 * One upsert per (organization, UTC day) for the receipts of `hits` this attempt wrote.
 * Must run in the same `batch()` as, and after, the receipts' inserts.
 */
export function usageRollup(db: D1Database, hits: { hit: { i: string } }[]): D1PreparedStatement[] {
  if (hits.length === 0) return [];
  const written = JSON.stringify(hits.map((h) => [h.hit.i, writeIdOf(h)]));
  return [
    db
      .prepare(
        `INSERT INTO usage_daily (organization_id, day, events, identifications, credits)
         SELECT i.organization_id, substr(i.created_at, 1, 10), count(*),
           sum(i.reason IN ('charged', 'already_charged_this_period')), sum(i.credits)
         FROM json_each(?) AS w
         JOIN identifications i ON i.event_id = w.value ->> '$[0]' AND i.write_id = w.value ->> '$[1]'
         WHERE true
         GROUP BY i.organization_id, substr(i.created_at, 1, 10)
         ON CONFLICT (organization_id, day) DO UPDATE SET events = events + excluded.events,
           identifications = identifications + excluded.identifications, credits = credits + excluded.credits`,
      )
      .bind(written),
  ];
}
