import type { Env } from "../env";
import { chargeByOrganization } from "../credits/charge";
import { identifierFor, type Identity } from "../identify";
import type { AcceptedHit, HitMessage, RejectedHit } from "./message";
import { storeHits, type ChargedHit } from "./store";
import { emitChargedHits } from "../webhooks/hit-events";
import { rescoreTouchedVisitors } from "../icp/rescore";
import { exclusionsFor } from "../exclusions/apply";

/**
 * Queue consumer: identify → charge → store, for a batch of hits.
 *
 * Delivery is at-least-once, so every step is idempotent on the event id: the credit
 * counter answers a replayed id with its first outcome, and D1 rows are keyed by it.
 * A failure anywhere leaves the unacknowledged messages to be retried.
 */
export async function consumeHits(batch: MessageBatch<HitMessage>, env: Env): Promise<void> {
  const rejected = batch.messages.filter((m): m is Message<RejectedHit> => m.body.kind === "rejected");
  if (rejected.length > 0) {
    await countRejections(
      env.DB,
      rejected.map((m) => m.body),
    );
    rejected.forEach((m) => m.ack());
  }
  const accepted = batch.messages.filter((m): m is Message<AcceptedHit> => m.body.kind === "hit");
  if (accepted.length === 0) return;
  const hits = dedupe(accepted.map((m) => m.body)).sort((a, b) => a.receivedAt - b.receivedAt);
  const waiting = await processHits(env, hits);
  for (const m of accepted) {
    if (waiting.has(m.body.hit.i)) m.retry({ delaySeconds: 10 });
    else m.ack();
  }
}

/**
 * Returns the event ids that must wait (engagement whose page view is not stored yet).
 * Exported for benchmarks and tests that drive the pipeline without a queue.
 */
export async function processHits(env: Env, hits: AcceptedHit[]): Promise<Set<string>> {
  const fresh = await withoutProcessed(env.DB, hits);
  const attempts = fresh.filter((h) => h.hit.t !== "e");
  const { identities, excluded } = await identifyHits(env, attempts);
  const outcomes = await chargeByOrganization(
    env,
    attempts.flatMap((h, i) => {
      const identity = identities[i];
      return identity
        ? [{ organizationId: h.organizationId, eventId: h.hit.i, identity: identity.key, at: h.receivedAt }]
        : [];
    }),
  );
  const charged: ChargedHit[] = fresh.map((h) => {
    const index = attempts.indexOf(h);
    const identity = index >= 0 ? identities[index] : null;
    return { ...h, identity, outcome: outcomes.get(h.hit.i) ?? null, excluded: excluded.has(h.hit.i) };
  });
  // Before storing: once the receipt is stored a replay skips these hits, so events emitted
  // afterwards could be lost; emitted first, a replay re-emits them and their ids dedupe.
  await emitChargedHits(env, charged);
  const waiting = await storeHits(env.DB, charged);
  await rescoreTouchedVisitors(env, charged);
  return waiting;
}

/**
 * Bots are never identified (so never charged); engagement hits are not identification attempts.
 * Neither are visitors the organization excluded (by address, or by the identified company's or
 * person's domain): their identity is dropped and their receipt says `excluded`.
 */
async function identifyHits(env: Env, hits: AcceptedHit[]) {
  const exclusions = await exclusionsFor(env.DB, hits);
  const excluded = new Set(hits.filter((h) => !h.bot && exclusions.coversAddress(h)).map((h) => h.hit.i));
  const candidates = hits.map((h, i) => ({ h, i })).filter(({ h }) => !h.bot && !excluded.has(h.hit.i));
  const found = await identifierFor(env).identify(
    candidates.map(({ h }) => ({ ip: h.ip, emailSha256: h.hit.h ?? null, productType: h.productType })),
  );
  const identities: (Identity | null)[] = hits.map(() => null);
  candidates.forEach(({ i }, j) => (identities[i] = found[j]));
  const identified = hits.flatMap((attempt, i) => (identities[i] ? [{ attempt, identity: identities[i] }] : []));
  for (const eventId of await exclusions.coveredIdentities(identified)) excluded.add(eventId);
  hits.forEach((h, i) => {
    if (excluded.has(h.hit.i)) identities[i] = null;
  });
  return { identities, excluded };
}

function dedupe(hits: AcceptedHit[]): AcceptedHit[] {
  const seen = new Set<string>();
  return hits.filter((h) => !seen.has(h.hit.i) && seen.add(h.hit.i));
}

/** Drops identification attempts whose receipt is already stored (replays of finished work). */
async function withoutProcessed(db: D1Database, hits: AcceptedHit[]): Promise<AcceptedHit[]> {
  const ids = hits.filter((h) => h.hit.t !== "e").map((h) => h.hit.i);
  if (ids.length === 0) return hits;
  const { results } = await db
    .prepare("SELECT event_id FROM identifications WHERE event_id IN (SELECT value FROM json_each(?))")
    .bind(JSON.stringify(ids))
    .all<{ event_id: string }>();
  const done = new Set(results.map((r) => r.event_id));
  return hits.filter((h) => !done.has(h.hit.i));
}

async function countRejections(db: D1Database, rejected: RejectedHit[]): Promise<void> {
  const counts = new Map<string, { organizationId: string; day: string; reason: string; count: number }>();
  for (const r of rejected) {
    const day = new Date(r.receivedAt).toISOString().slice(0, 10);
    const key = `${r.organizationId}|${day}|${r.reason}`;
    const entry = counts.get(key) ?? { organizationId: r.organizationId, day, reason: r.reason, count: 0 };
    entry.count += 1;
    counts.set(key, entry);
  }
  const upsert = db.prepare(
    `INSERT INTO rejected_hits (organization_id, day, reason, count) VALUES (?, ?, ?, ?)
     ON CONFLICT (organization_id, day, reason) DO UPDATE SET count = count + excluded.count`,
  );
  await db.batch([...counts.values()].map((c) => upsert.bind(c.organizationId, c.day, c.reason, c.count)));
}
