import type { Env } from "../env";
import { isoSeconds } from "../lib/time";

/** Dead-letter queues recorded here (the webhooks' own has its consumer in worker/webhooks). */
export const HITS_DLQ = "sightline-hits-dlq";
export const JOBS_DLQ = "sightline-jobs-dlq";

/** Days of dead letters kept. */
const KEPT_DAYS = 30;
const LATEST_LENGTH = 1_000;

type Body = {
  kind?: string;
  type?: string;
  organizationId?: string;
  shard?: number;
  reason?: string;
  productType?: string;
  receivedAt?: number;
  hit?: { t?: string; i?: string };
} | null;

/**
 * N11: what a dead letter keeps of its message, none of it personal: what it was, whose, and when.
 * A hit's address, user agent, page URL, referrer and email hash stay out (an erasure or an export
 * would never look here); a job keeps its own fields, which are ids and cursors only (jobs/message.ts).
 */
export function deadLetterSummary(body: Body): Record<string, unknown> {
  if (body?.kind === "hit") {
    const { organizationId, shard, productType, receivedAt } = body;
    return { kind: "hit", t: body.hit?.t, eventId: body.hit?.i, organizationId, shard, productType, receivedAt };
  }
  if (body?.kind === "rejected") {
    const { organizationId, shard, reason, receivedAt } = body;
    return { kind: "rejected", organizationId, shard, reason, receivedAt };
  }
  if (typeof body?.type === "string") return body;
  return { kind: "unknown" };
}

/**
 * Consumer of the hits and jobs dead-letter queues: what arrived is counted per queue, UTC day
 * and kind (`hit:v`, `rejected`, `job:icp.rescore`, …) with a summary of the latest message, so an operator
 * sees what failed and how often (`dead_letters`), and the queue never fills up. Counts are
 * at-least-once: a redelivered dead-letter batch counts again.
 */
export async function consumeDeadLetters(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const day = isoSeconds().slice(0, 10);
  const groups = new Map<string, { count: number; organizationId: string | null; latest: string }>();
  // A bundle of hits (worker/collect/hit-collector.ts) counts each of its hits.
  const bodies = batch.messages.flatMap((m) => {
    const body = m.body as Body & { hits?: Body[] };
    return body?.kind === "bundle" && Array.isArray(body.hits) ? body.hits : [body];
  });
  for (const body of bodies) {
    const kind = body?.hit?.t ? `hit:${body.hit.t}` : body?.type ? `job:${body.type}` : (body?.kind ?? "unknown");
    const group = groups.get(kind) ?? { count: 0, organizationId: null, latest: "" };
    group.count += 1;
    group.organizationId = body?.organizationId ?? null;
    group.latest = JSON.stringify(deadLetterSummary(body)).slice(0, LATEST_LENGTH);
    groups.set(kind, group);
  }
  const upsert = env.CATALOG.prepare(
    `INSERT INTO dead_letters (queue, day, kind, count, organization_id, latest) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (queue, day, kind) DO UPDATE SET count = count + excluded.count,
       organization_id = excluded.organization_id, latest = excluded.latest`,
  );
  await env.CATALOG.batch(
    [...groups].map(([kind, g]) => upsert.bind(batch.queue, day, kind, g.count, g.organizationId, g.latest)),
  );
  console.error(`${bodies.length} message(s) or hit(s) dead-lettered on ${batch.queue}`, [...groups.keys()]);
  batch.ackAll();
}

/** Forgets dead letters older than KEPT_DAYS (cron); never throws. */
export async function pruneDeadLetters(db: D1Database, now = Date.now()): Promise<void> {
  try {
    await db
      .prepare("DELETE FROM dead_letters WHERE day < ?")
      .bind(isoSeconds(now - KEPT_DAYS * 86_400_000).slice(0, 10))
      .run();
  } catch (error) {
    console.error("pruning dead letters failed", error);
  }
}
