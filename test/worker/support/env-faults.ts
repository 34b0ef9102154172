import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../../worker/index";
import { BASE } from "./api";

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

/** Where a fault is injected: the cross-store steps of the Worker and its Durable Objects. */
export type FaultTarget = "d1" | "counter" | "pool" | "kv" | "queue";

/**
 * One injected failure. `before`: the call fails and does nothing (an overloaded object, a D1 error);
 * `after`: the call is done, then fails, as when its answer is lost. It hits the call matching
 * `target`, `binding` and `method` (each: any when not given) after `skip` matching calls went
 * through, `times` times in a row.
 */
export interface Fault {
  target?: FaultTarget;
  binding?: string;
  method?: string;
  mode: "before" | "after";
  skip?: number;
  times?: number;
}

/** The faults armed in front of the bindings `installFaults` wrapped, consumed in call order. */
export class Faults {
  private armed: { fault: Fault; skip: number; times: number }[] = [];
  /** Every fault that fired, as `target.method mode`. */
  readonly fired: string[] = [];

  arm(...faults: Fault[]): void {
    for (const fault of faults) this.armed.push({ fault, skip: fault.skip ?? 0, times: fault.times ?? 1 });
  }

  clear(): void {
    this.armed = [];
  }

  /** Runs `call`, one of a real binding's methods, unless an armed fault matches it. */
  async around<T>(target: FaultTarget, binding: string, method: string, call: () => Promise<T>): Promise<T> {
    const armed = this.armed.find(
      (a) =>
        (a.fault.target ?? target) === target &&
        (a.fault.binding ?? binding) === binding &&
        (a.fault.method ?? method) === method,
    );
    if (!armed) return call();
    if (armed.skip > 0) {
      armed.skip -= 1;
      return call();
    }
    armed.times -= 1;
    if (armed.times <= 0) this.armed.splice(this.armed.indexOf(armed), 1);
    this.fired.push(`${target}.${method} ${armed.fault.mode}`);
    if (armed.fault.mode === "before") throw new Error(`injected: ${target}.${method} failed`);
    await call();
    throw new Error(`injected: ${target}.${method} done, its answer lost`);
  }
}

/** Forwards every property of `target`, methods bound to it. */
function forwarding<T extends object>(target: T, override: (key: string | symbol) => unknown): T {
  return new Proxy(target, {
    get(t, key) {
      const replaced = override(key);
      if (replaced !== undefined) return replaced;
      const value = Reflect.get(t, key) as unknown;
      return typeof value === "function" && key !== "constructor" ? (value as Call).bind(t) : value;
    },
  });
}

/** A Durable Object namespace whose stubs' RPC calls go through `faults`. */
function faultyNamespace(namespace: DurableObjectNamespace, name: string, target: FaultTarget, faults: Faults) {
  const stubOf = (stub: DurableObjectStub) =>
    new Proxy(stub, {
      get(s, key) {
        if (typeof key !== "string" || key === "then" || key === "id" || key === "name") return Reflect.get(s, key);
        return (...args: unknown[]) =>
          faults.around(
            target,
            name,
            key,
            () => (s as unknown as Record<string, Call>)[key]!(...args) as Promise<unknown>,
          );
      },
    });
  return forwarding(namespace, (key) =>
    key === "get" ? (id: DurableObjectId) => stubOf(namespace.get(id)) : undefined,
  );
}

/** A D1 database whose statements and batches go through `faults` (reads included). */
function faultyDatabase(db: D1Database, name: string, faults: Faults): D1Database {
  const real = new WeakMap<object, D1PreparedStatement>();
  const statementOf = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = forwarding(statement, (key) => {
      if (key === "bind") return (...values: unknown[]) => statementOf(statement.bind(...values));
      if (key === "run" || key === "first" || key === "all" || key === "raw") {
        return (...args: unknown[]) =>
          faults.around("d1", name, key, () => (statement[key] as Call)(...args) as Promise<unknown>);
      }
      return undefined;
    });
    real.set(proxy, statement);
    return proxy;
  };
  return forwarding(db, (key) => {
    if (key === "prepare") return (query: string) => statementOf(db.prepare(query));
    if (key === "batch") {
      return (statements: D1PreparedStatement[]) =>
        faults.around("d1", name, "batch", () => db.batch(statements.map((s) => real.get(s) ?? s)));
    }
    return undefined;
  });
}

/** A KV namespace or a queue whose methods go through `faults`. */
function faultyMethods<T extends object>(
  binding: T,
  name: string,
  target: FaultTarget,
  methods: string[],
  faults: Faults,
): T {
  return forwarding(binding, (key) =>
    typeof key === "string" && methods.includes(key)
      ? (...args: unknown[]) =>
          faults.around(
            target,
            name,
            key,
            () => (binding as unknown as Record<string, Call>)[key]!(...args) as Promise<unknown>,
          )
      : undefined,
  );
}

/**
 * Puts `faults` in front of the real bindings of `env`: the D1 databases, the credit counters and
 * pools, the pixels KV and the queues. The Worker called with `env` and every Durable Object built
 * after this sees them (an object reads its env's bindings through the test's `env`); objects built
 * before keep the bindings they took. `restore` puts the real bindings back.
 */
export function installFaults(): { faults: Faults; real: typeof env; restore: () => void } {
  const faults = new Faults();
  const bindings = env as unknown as Record<string, unknown>;
  const real = { ...env };
  const replaced: Record<string, unknown> = {
    CATALOG: faultyDatabase(env.CATALOG, "CATALOG", faults),
    CREDITS: faultyNamespace(env.CREDITS as unknown as DurableObjectNamespace, "CREDITS", "counter", faults),
    POOLS: faultyNamespace(env.POOLS as unknown as DurableObjectNamespace, "POOLS", "pool", faults),
    PIXELS: faultyMethods(env.PIXELS, "PIXELS", "kv", ["get", "put", "delete", "list"], faults),
    JOBS: faultyMethods(env.JOBS, "JOBS", "queue", ["send", "sendBatch"], faults),
    WEBHOOKS: faultyMethods(env.WEBHOOKS, "WEBHOOKS", "queue", ["send", "sendBatch"], faults),
  };
  for (const name of Object.keys(bindings)) {
    if (/^TENANT_\d+$/.test(name)) replaced[name] = faultyDatabase(bindings[name] as D1Database, name, faults);
    if (/^HITS_\d+$/.test(name))
      replaced[name] = faultyMethods(bindings[name] as Queue, name, "queue", ["send", "sendBatch"], faults);
  }
  Object.assign(bindings, replaced);
  return { faults, real, restore: () => Object.assign(bindings, real) };
}
