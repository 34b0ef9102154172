import { everyTenant } from "../../worker/shards";
/**
 * Bench-only Worker (never deployed, no production route): the product's hits consumer driven
 * with batches the bench builds, in the same workerd as the product Worker and on the same D1,
 * Durable Objects and queues. D1 is wrapped to add up what the consumer's statements wrote and
 * read (`meta.rows_written`, `meta.rows_read`, what D1 bills). Bundled by bench/storage.ts.
 *
 * POST /run { messages: [{ id, body, attempts }], batchSize } → { ms, batches, rowsWritten, rowsRead, retried }:
 *   the messages handed to the consumer in batches of `batchSize`, one batch after the other as a queue
 *   with one consumer delivers them, timed here (no Node round trip per batch).
 * POST /prune { now } → the cron's device-row and retention pruning, metered the same way.
 */
import { consumeHits } from "../../worker/collect/consume";
import { hitQueueName, hitQueueNumberOf } from "../../worker/collect/hit-queues";
import type { HitMessage } from "../../worker/collect/message";
import type { Env } from "../../worker/env";
import { pruneDeviceDays, pruneRetention } from "../../worker/visitors/retention";

interface Meter {
  rowsWritten: number;
  rowsRead: number;
}

/** The D1 binding, each answer's billed rows added to `meter`. */
function metered(db: D1Database, meter: Meter): D1Database {
  const count = (meta: { rows_written?: number; rows_read?: number }) => {
    meter.rowsWritten += meta.rows_written ?? 0;
    meter.rowsRead += meta.rows_read ?? 0;
  };
  const originals = new WeakMap<object, D1PreparedStatement>();
  const statement = (s: D1PreparedStatement): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => statement(s.bind(...values)),
      all: async () => {
        const r = await s.all();
        count(r.meta);
        return r;
      },
      run: async () => {
        const r = await s.run();
        count(r.meta);
        return r;
      },
      first: async (column?: string) => {
        const r = await s.all<Record<string, unknown>>();
        count(r.meta);
        const row = r.results[0] ?? null;
        return column === undefined ? row : (row?.[column] ?? null);
      },
      raw: (options?: { columnNames?: boolean }) => s.raw(options as { columnNames: true }),
    } as unknown as D1PreparedStatement;
    originals.set(wrapped, s);
    return wrapped;
  };
  return {
    prepare: (query: string) => statement(db.prepare(query)),
    batch: async (statements: D1PreparedStatement[]) => {
      const results = await db.batch(statements.map((s) => originals.get(s) ?? s));
      for (const r of results) count(r.meta);
      return results;
    },
    exec: (query: string) => db.exec(query),
    withSession: () => db.withSession(),
    dump: () => db.dump(),
  } as unknown as D1Database;
}

/**
 * A queue batch as the runtime hands it to the consumer, remembering which messages it retried: from the
 * hit queue the edge sends its first message's pixel key to.
 */
function messageBatch(env: Env, messages: { id: string; body: HitMessage; attempts: number }[]) {
  const retried = new Set<string>();
  const first = messages[0]?.body;
  const batch = {
    queue: hitQueueName(first?.kind === "hit" ? hitQueueNumberOf(env, first.hit.k) : 1),
    messages: messages.map((m) => ({
      id: m.id,
      timestamp: new Date(),
      body: m.body,
      attempts: m.attempts,
      ack: () => {},
      retry: () => retried.add(m.id),
    })),
    ackAll: () => {},
    retryAll: () => messages.forEach((m) => retried.add(m.id)),
  } as unknown as MessageBatch<HitMessage>;
  return { batch, retried };
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const meter: Meter = { rowsWritten: 0, rowsRead: 0 };
    const meteredEnv = {
      ...env,
      CATALOG: metered(env.CATALOG, meter),
      ...Object.fromEntries(everyTenant(env).map((t) => [`TENANT_${t.SHARD}`, metered(t.DB, meter)])),
    } as Env;
    const path = new URL(request.url).pathname;
    if (path === "/run") {
      const { messages, batchSize } = (await request.json()) as {
        messages: { id: string; body: HitMessage; attempts: number }[];
        batchSize: number;
      };
      const timed = Date.now();
      let batches = 0;
      let retried = 0;
      for (let k = 0; k < messages.length; k += batchSize, batches++) {
        const delivered = messageBatch(env, messages.slice(k, k + batchSize));
        await consumeHits(delivered.batch, meteredEnv);
        retried += delivered.retried.size;
      }
      return Response.json({ ms: Date.now() - timed, batches, retried, ...meter });
    }
    if (path === "/prune") {
      const { now } = (await request.json()) as { now: number };
      const tenants = everyTenant(meteredEnv);
      let devices = 0;
      for (const tenant of tenants) devices += await pruneDeviceDays(tenant.DB, now);
      const afterDevices = { ...meter };
      const retention = { visitors: 0, sessions: 0 };
      for (const tenant of tenants) {
        const removed = await pruneRetention(tenant, now);
        retention.visitors += removed.visitors;
        retention.sessions += removed.sessions;
      }
      return Response.json({
        devices,
        devicesRowsWritten: afterDevices.rowsWritten,
        ...retention,
        retentionRowsWritten: meter.rowsWritten - afterDevices.rowsWritten,
      });
    }
    return new Response("not found", { status: 404 });
  },
};
