/**
 * The product Worker as most of the bench drives it: in one workerd with the bench-only baselines
 * (bench/workers.ts), hits unlimited per key and address, and waits on what its consumer has stored.
 */
import type { D1Database } from "@cloudflare/workers-types";
import { LogLevel } from "miniflare";
import { type LocalWorker, type StartOptions, startWorker } from "../test/browser/support/worker.ts";
import { log, sleep, STATE_IN } from "./options.ts";
import { edgeWorker } from "./edge-worker.ts";
import { bareWorker, counterDriverWorker } from "./workers.ts";

/** Receipts of charges (one per identified company charged) of an organization. */
export const CHARGES_SQL =
  "SELECT count(*) AS n FROM charges WHERE org = (SELECT key FROM organization_keys WHERE organization_id = ?)";
export const HUMAN_UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36";

export interface BenchWorker {
  worker: LocalWorker;
  /** The edge Worker's source map, when the bench Worker was started with `sourceMap`. */
  edgeSourceMap?: string;
  /** Tenant shard 1, where the bench seeds its organizations. */
  db: D1Database;
  /** The `n` of a `SELECT … AS n` on shard 1. */
  count(sql: string, ...args: unknown[]): Promise<number>;
  /** Polls `pred` every 200 ms; false (and a log line) when `timeoutMs` passes first. */
  waitUntil(what: string, pred: () => Promise<boolean>, timeoutMs: number): Promise<boolean>;
  /** Waits until nothing moves in D1 for 3 s (stored hits, receipts, ledger flushes), at most 2 minutes. */
  quiesce(): Promise<void>;
  /** Hits the consumer has counted for the organization (page views and identify calls, each once). */
  pageViews(organizationId: string): Promise<number>;
  /** Waits until the consumer has stored `target` page views (or, without one, the count stops moving). */
  drain(organizationId: string, timeoutMs: number, target?: number): Promise<boolean>;
}

const HITS_PER_MINUTE = 1_000_000_000;

/** The Worker with the edge Worker, the bare baseline and the counter's driver beside it, hits unlimited. */
export async function startBenchWorker(options: StartOptions = {}): Promise<BenchWorker> {
  log("starting workerd (Miniflare) with the Worker, the edge Worker and the bench-only baseline Workers");
  const edge = await edgeWorker({ hitsPerMinute: HITS_PER_MINUTE, sourceMap: options.sourceMap });
  const worker = await startWorker({
    extraWorkers: [bareWorker, counterDriverWorker, edge.options],
    logLevel: LogLevel.ERROR,
    hitsPerMinute: HITS_PER_MINUTE,
    stateIn: STATE_IN,
    ...options,
  });
  return { ...(await benchWorker(worker)), edgeSourceMap: edge.sourceMap };
}

export async function benchWorker(worker: LocalWorker): Promise<BenchWorker> {
  const db = await worker.db();
  const count = async (sql: string, ...args: unknown[]) =>
    (
      await db
        .prepare(sql)
        .bind(...args)
        .first<{ n: number }>()
    )?.n ?? 0;

  async function waitUntil(what: string, pred: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (await pred()) return true;
      await sleep(200);
    }
    log(`gave up waiting for ${what} after ${timeoutMs / 1000} s`);
    return false;
  }

  async function quiesce(): Promise<void> {
    const snapshot = async () =>
      JSON.stringify(
        await db
          .prepare(
            "SELECT (SELECT sum(events) FROM usage_daily) AS a, (SELECT count(*) FROM charges) AS b, (SELECT count(*) FROM ledger_entries) AS c",
          )
          .first(),
      );
    let last = "";
    let since = Date.now();
    await waitUntil(
      "D1 to go quiet",
      async () => {
        const now = await snapshot();
        if (now !== last) {
          last = now;
          since = Date.now();
        }
        return Date.now() - since >= 3_000;
      },
      120_000,
    );
  }

  const pageViews = (organizationId: string) =>
    count("SELECT coalesce(sum(events), 0) AS n FROM usage_daily WHERE organization_id = ?", organizationId);

  async function drain(organizationId: string, timeoutMs: number, target?: number): Promise<boolean> {
    let last = -1;
    let still = 0;
    return waitUntil(
      "the queue to drain",
      async () => {
        const n = await pageViews(organizationId);
        if (target !== undefined && n >= target) return true;
        still = n === last ? still + 1 : 0;
        last = n;
        return target === undefined ? still >= 10 : false;
      },
      timeoutMs,
    );
  }

  return { worker, db, count, waitUntil, quiesce, pageViews, drain };
}
