import type { EdgeRejection } from "../../shared/billing";
import { dayNumber, dayText } from "../visitors/keys";
import type { RejectedHit } from "./message";
import { emptyDelta, OUTCOME_COLUMN, rollupStatement } from "./rollups";
import { isConflict } from "./store";

const ROUNDS = 5;

/**
 * Counts hits turned away at the edge in the daily rollups, each queue message once: the
 * messages counted are remembered (`counted_messages`, by message id, a few days), and the
 * batch that counts them is guarded like the hits' own, so a redelivered message is skipped.
 */
export async function countRejections(db: D1Database, messages: Message<RejectedHit>[]): Promise<void> {
  const ids = messages.map((m) => [dayNumber(m.body.receivedAt), m.id.slice(0, 64)] as const);
  for (let round = 1; ; round++) {
    const { results } = await db
      .prepare(
        `SELECT c.day, c.id FROM json_each(?) j JOIN counted_messages c ON c.day = j.value ->> 0 AND c.id = j.value ->> 1`,
      )
      .bind(JSON.stringify(ids))
      .all<{ day: number; id: string }>();
    const counted = new Set(results.map((r) => `${r.day}|${r.id}`));
    const isFresh = ([day, id]: readonly [number, string]) => !counted.has(`${day}|${id}`);
    const fresh = messages.filter((_, i) => isFresh(ids[i]!));
    const freshIds = ids.filter(isFresh);
    if (fresh.length === 0) return;
    const deltas = new Map<string, { organizationId: string; delta: ReturnType<typeof emptyDelta> }>();
    for (const m of fresh) {
      const day = dayText(dayNumber(m.body.receivedAt));
      const key = `${m.body.organizationId}|${day}`;
      const entry = deltas.get(key) ?? { organizationId: m.body.organizationId, delta: emptyDelta(day) };
      entry.delta.counts[OUTCOME_COLUMN[m.body.reason as EdgeRejection]] += 1;
      deltas.set(key, entry);
    }
    const json = JSON.stringify(freshIds);
    try {
      await db.batch([
        db
          .prepare(
            `INSERT INTO write_guard (ok) SELECT 0 WHERE EXISTS (SELECT 1 FROM json_each(?) j
               JOIN counted_messages c ON c.day = j.value ->> 0 AND c.id = j.value ->> 1)`,
          )
          .bind(json),
        db
          .prepare("INSERT INTO counted_messages (day, id) SELECT value ->> 0, value ->> 1 FROM json_each(?)")
          .bind(json),
        ...[...deltas.values()].map(({ organizationId, delta }) => rollupStatement(db, organizationId, delta)),
      ]);
      return;
    } catch (error) {
      if (!isConflict(error) || round === ROUNDS) throw error;
    }
  }
}
