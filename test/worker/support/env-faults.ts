import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../../worker/index";
import { BASE } from "./index";

/**
 * Faults that real networks and storage produce, injected around the real bindings (the code
 * under test is unchanged; the delays only force interleavings that latency can produce).
 */

type Call = (...args: unknown[]) => unknown;

/** A Durable Object namespace whose stubs run `first` instead of the first call of `method`, made through any stub. */
function replacingFirstCall<T extends object>(namespace: T, method: string, first: (call: Call) => Call): T {
  let replaced = false;
  return new Proxy(namespace, {
    get(target, key) {
      if (key === "get") {
        return (id: DurableObjectId) => {
          const stub = (target as unknown as DurableObjectNamespace).get(id) as unknown as Record<string, Call>;
          return new Proxy(stub, {
            get(s, k) {
              const value = Reflect.get(s, k) as unknown;
              if (typeof value !== "function") return value;
              // RPC stubs answer any property remotely, `apply` included: call the method on the stub itself.
              const call: Call = (...args) => s[k as string]!(...args);
              if (k !== method || replaced) return call;
              replaced = true;
              return first(call);
            },
          });
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? (value as Call).bind(target) : value;
    },
  });
}

const delayStarts = new WeakMap<object, Promise<void>>();

/**
 * A Durable Object namespace whose stubs delay the first call of `method` by `ms` (absent stays absent);
 * `delayStarted` tells when a call is being held.
 */
export function delayingFirst<T extends object>(namespace: T | undefined, method: string, ms: number): T | undefined {
  if (namespace === undefined) return undefined;
  const started = Promise.withResolvers<void>();
  const proxy = replacingFirstCall(namespace, method, (call) => async (...args) => {
    started.resolve();
    await new Promise((r) => setTimeout(r, ms));
    return call(...args);
  });
  delayStarts.set(proxy, started.promise);
  return proxy;
}

/** Resolves once the first call through any of these `delayingFirst` namespaces is being held. */
export const delayStarted = (...namespaces: (object | undefined)[]) =>
  Promise.race(namespaces.flatMap((n) => (n && delayStarts.has(n) ? [delayStarts.get(n)!] : [])));

/** A Durable Object namespace whose stubs throw on the first call of `method`, as an overloaded object does. */
export function failingFirst<T extends object>(namespace: T, method: string): T {
  return replacingFirstCall(namespace, method, () => async () => {
    throw new Error("Durable Object is overloaded");
  });
}

/** A KV namespace whose next `put` throws (as KV does on its one-write-per-second limit). */
export function failingNextPut(kv: KVNamespace): KVNamespace {
  let failed = false;
  return new Proxy(kv, {
    get(target, key) {
      if (key === "put" && !failed) {
        return async () => {
          failed = true;
          throw new Error("KV PUT failed: 429 Too Many Requests");
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * A D1 database whose first `batch()` with a statement containing `sql` is held until `release()`:
 * latency between a consumer's reads and its write, long enough for other work to run in between.
 * (The SQL is read from the statement as workerd's D1 binding keeps it, `statement`.)
 */
export function holdingBatch(db: D1Database, sql: string) {
  const held = Promise.withResolvers<void>();
  const released = Promise.withResolvers<void>();
  let holding = false;
  const proxy = new Proxy(db, {
    get(target, key) {
      if (key === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          const matches = statements.some((s) => (s as unknown as { statement?: string }).statement?.includes(sql));
          if (matches && !holding) {
            holding = true;
            held.resolve();
            await released.promise;
          }
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: proxy, held: held.promise, release: () => released.resolve() };
}

/**
 * A D1 database that records how many rows each statement changed (`meta.changes`), whether run alone
 * or in a batch: to see that work on a large organization is done in bounded statements.
 */
export function recordingChanges(db: D1Database) {
  const changes: number[] = [];
  const real = new WeakMap<object, D1PreparedStatement>();
  const record = <T>(result: T) => {
    changes.push((result as { meta?: { changes?: number } }).meta?.changes ?? 0);
    return result;
  };
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(target, key) {
        if (key === "bind") return (...values: unknown[]) => wrap(target.bind(...values));
        if (key === "run" || key === "all") return async () => record(await target[key]());
        const value = Reflect.get(target, key) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    real.set(proxy, statement);
    return proxy;
  };
  const proxy = new Proxy(db, {
    get(target, key) {
      if (key === "prepare") return (sql: string) => wrap(target.prepare(sql));
      if (key === "batch") {
        return async (statements: D1PreparedStatement[]) =>
          (await target.batch(statements.map((s) => real.get(s) ?? s))).map(record);
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { db: proxy, changes };
}

/** A partner API call served by the Worker with these bindings in place of the real ones. */
export async function callWith(
  bindings: Partial<typeof env>,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const ctx = createExecutionContext();
  const response = await worker.fetch!(
    new Request(`${BASE}/api/v1/partner${path}`, {
      method,
      headers: { "content-type": "application/json", "x-partner-api-key": key },
      body: body === undefined ? undefined : JSON.stringify(body),
    }) as Request<unknown, IncomingRequestCfProperties>,
    { ...env, ...bindings },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}
