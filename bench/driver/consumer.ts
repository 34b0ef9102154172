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
 * POST /mirror { organizationId, shard, debits } → rows written by the credit counter's outbox flush
 *   (credits/mirror.ts, the statements its alarm runs) mirroring `debits` new debits of the organization.
 */
import { consumeHits } from "../../worker/collect/consume";
import type { LedgerEntry } from "../../worker/credits/ledger";
import { mirrorStatements } from "../../worker/credits/mirror";
import { hitQueueName, hitQueueNumberOf } from "../../worker/collect/hit-queues";
import type { HitMessage } from "../../worker/collect/message";
import type { Env } from "../../worker/env";
import { pruneDeviceDays, pruneRetention } from "../../worker/visitors/retention";

interface Meter {
  rowsWritten: number;
  rowsRead: number;
  /** Rows written by kind of statement and table ("INSERT page_views", "UPDATE visitors", …). */
  written: Record<string, number>;
}

const newMeter = (): Meter => ({ rowsWritten: 0, rowsRead: 0, written: {} });

/** What a statement writes, for the meter's breakdown: its verb and table. */
function statementKind(query: string): string {
  const m = /\b(INSERT(?: OR \w+)? INTO|UPDATE|DELETE FROM)\s+(\w+)/i.exec(query);
  return m ? `${m[1]!.split(" ")[0]!.toUpperCase()} ${m[2]}` : "SELECT";
}

/** The D1 binding, each answer's billed rows added to `meter`. */
function metered(db: D1Database, meter: Meter): D1Database {
  const count = (query: string, meta: { rows_written?: number; rows_read?: number }) => {
    meter.rowsWritten += meta.rows_written ?? 0;
    meter.rowsRead += meta.rows_read ?? 0;
    const kind = statementKind(query);
    if (meta.rows_written) meter.written[kind] = (meter.written[kind] ?? 0) + meta.rows_written;
  };
  const originals = new WeakMap<object, { s: D1PreparedStatement; query: string }>();
  const statement = (s: D1PreparedStatement, query: string): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => statement(s.bind(...values), query),
      all: async () => {
        const r = await s.all();
        count(query, r.meta);
        return r;
      },
      run: async () => {
        const r = await s.run();
        count(query, r.meta);
        return r;
      },
      first: async (column?: string) => {
        const r = await s.all<Record<string, unknown>>();
        count(query, r.meta);
        const row = r.results[0] ?? null;
        return column === undefined ? row : (row?.[column] ?? null);
      },
      raw: (options?: { columnNames?: boolean }) => s.raw(options as { columnNames: true }),
    } as unknown as D1PreparedStatement;
    originals.set(wrapped, { s, query });
    return wrapped;
  };
  return {
    prepare: (query: string) => statement(db.prepare(query), query),
    batch: async (statements: D1PreparedStatement[]) => {
      const known = statements.map((s) => originals.get(s) ?? { s, query: "" });
      const results = await db.batch(known.map((k) => k.s));
      results.forEach((r, i) => count(known[i]!.query, r.meta));
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
    const meter = newMeter();
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
      const afterDevices = { ...meter, written: { ...meter.written } };
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
        retentionWritten: Object.fromEntries(
          Object.entries(meter.written).map(([k, v]) => [k, v - (afterDevices.written[k] ?? 0)]),
        ),
      });
    }
    if (path === "/mirror") {
      const o = (await request.json()) as { organizationId: string; shard: number; debits: number };
      return Response.json({ rowsWritten: await mirrorRows(env, meteredEnv, meter, o) });
    }
    return new Response("not found", { status: 404 });
  },
};

/**
 * The rows an outbox flush writes for `debits` debits of an organization: the counter's own statements
 * (mirrorStatements), for entries after the organization's last mirrored one, in one metered batch.
 */
async function mirrorRows(
  env: Env,
  meteredEnv: Env,
  meter: Meter,
  o: { organizationId: string; shard: number; debits: number },
): Promise<number> {
  const plain = everyTenant(env).find((t) => t.SHARD === o.shard)!.DB;
  const db = everyTenant(meteredEnv).find((t) => t.SHARD === o.shard)!.DB;
  const last = (await plain
    .prepare(
      `SELECT coalesce(max(l.seq), 0) AS seq, p.current_period_start AS start, p.current_period_end AS end, p.allocation
       FROM organization_periods p JOIN organization_keys k ON k.organization_id = p.organization_id
       LEFT JOIN ledger_entries l ON l.org = k.key WHERE p.organization_id = ?`,
    )
    .bind(o.organizationId)
    .first<{ seq: number; start: string; end: string; allocation: number }>())!;
  const now = new Date().toISOString();
  const entries: LedgerEntry[] = Array.from({ length: o.debits }, (_, k) => ({
    id: `${o.organizationId}:${last.seq + 1 + k}`,
    organizationId: o.organizationId,
    seq: last.seq + 1 + k,
    kind: "debit",
    credits: -1,
    allocation: last.allocation,
    balanceAfter: last.allocation - k - 1,
    periodStart: last.start,
    periodEnd: last.end,
    eventId: crypto.randomUUID(),
    identity: `company:bench-mirror-${last.seq + 1 + k}`,
    note: null,
    details: null,
    createdAt: now,
  }));
  const snapshot = {
    organizationId: o.organizationId,
    periodStart: last.start,
    periodEnd: last.end,
    allocation: last.allocation,
    used: o.debits,
    available: last.allocation - o.debits,
    lastSeq: last.seq + o.debits,
  };
  const before = meter.rowsWritten;
  await db.batch(mirrorStatements(db, entries, snapshot));
  return meter.rowsWritten - before;
}
