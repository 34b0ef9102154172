/**
 * The real Worker, run by workerd through Miniflare's API on a free port: the bindings
 * of wrangler.toml (D1, KV, Durable Objects, Queues with the queue consumer), state
 * persisted under a fresh temporary folder, the D1 migrations applied.
 *
 * Miniflare (not `wrangler dev`) because it needs no proxy process, gives direct access
 * to the local D1 for bulk seeding, and fills `CF-Connecting-IP` from the TCP peer: a
 * browser on this machine reaches the Worker as 127.0.0.1.
 *
 * Used by the end-to-end browser tests (one Worker per test file) and by bench/.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { D1Database } from "@cloudflare/workers-types";
import { build } from "esbuild";
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare, type V4WorkerOptions } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } from "wrangler";
import { buildPixel } from "../../../pixel/build.ts";
import { ROOT } from "../../../scripts/lib.ts";

export const ADMIN_KEY = "e2e-admin-key";
/** The Worker's WEBHOOK_SECRET_KEY in these tests (the edge Worker gets the same, as in production). */
export const E2E_WEBHOOK_SECRET_KEY = btoa("e2e-only-webhook-secret-key-32b!");

export interface StartOptions {
  /** Extra workers in the same workerd process (bench baselines); the Worker stays the entry. */
  extraWorkers?: V4WorkerOptions[];
  /** Log level of workerd and Miniflare (default: warnings and errors only). */
  logLevel?: LogLevel;
  /** Miniflare's log, instead of one at `logLevel` (the bench reads the queue consumers' batches from it). */
  log?: Log;
  /**
   * Hits per pixel key and address, and per pixel key, per minute instead of wrangler.toml's
   * `HIT_LIMITER` and `PIXEL_LIMITER` limits: the bench sends thousands a second from one address
   * with one key, and measures the limiters' cost rather than their 429s.
   */
  hitsPerMinute?: number;
  /** Settings of the Worker added to (or replacing) wrangler.toml's, e.g. a Cloudflare zone at a stand-in. */
  bindings?: Record<string, string>;
  /** Where the Worker's outbound fetches go instead of the network: one of `extraWorkers`, by name. */
  outboundService?: string;
  /** Opens workerd's V8 inspector on this port (0: any free one; `mf.getInspectorURL()` says which): the bench's CPU profiles. */
  inspectorPort?: number;
  /** The folder the local state's temporary folder is made in (default: the system's temporary folder). */
  stateIn?: string;
  /** The port to listen on on 127.0.0.1 (default: any free one). */
  port?: number;
  /** Keeps the bundle's source map (`LocalWorker.sourceMap`), to place profiled code in its source files. */
  sourceMap?: boolean;
}

export interface LocalWorker {
  /** Origin of the Worker, e.g. http://127.0.0.1:41234 */
  url: string;
  mf: Miniflare;
  /** The catalog D1 database (partners, keys, companies, people, sign-in links, sessions). */
  catalog(): Promise<D1Database>;
  /** Tenant shard 1's D1 database, where `seedOrganization` places its partners (the same SQLite the Worker uses). */
  db(): Promise<D1Database>;
  /** The folder holding the local state (D1 and Durable Object SQLite files, KV, queues). */
  persist: string;
  /** The source map of the Worker's bundle (`worker/index.js` to the files under the repository), when asked for. */
  sourceMap?: string;
  /** An HTTP client for the operator API. */
  admin: Client;
  /** An HTTP client for the partner API with this key. */
  partner(key: string): Client;
  stop(): Promise<void>;
}

export type Client = <T = any>(method: string, path: string, body?: unknown) => Promise<T>;

/** Bundles a module for workerd the way wrangler does (ESM, workerd export conditions). */
export async function bundleForWorkerd(entry: string): Promise<string> {
  return (await bundleWithSourceMap(entry, false)).code;
}

/** The same bundle and, when asked, its source map (JSON; sources relative to the bundle's folder). */
export async function bundleWithSourceMap(entry: string, sourceMap: boolean): Promise<{ code: string; map?: string }> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2024",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:*", "node:*"],
    write: false,
    logLevel: "warning",
    ...(sourceMap ? { sourcemap: "external" as const, outfile: join(dirname(entry), "index.js") } : {}),
  });
  if (!sourceMap) return { code: out.outputFiles[0]!.text };
  const file = (suffix: string) => out.outputFiles.find((f) => f.path.endsWith(suffix))!.text;
  return { code: file(".js"), map: file(".js.map") };
}

/** Bundles worker/index.ts; the Worker imports the pixel from pixel/dist/bundle.ts, built first from source. */
export async function bundleWorker(sourceMap = false): Promise<{ code: string; map?: string }> {
  await buildPixel({ write: true });
  return bundleWithSourceMap(join(ROOT, "worker/index.ts"), sourceMap);
}

export async function startWorker(opts: StartOptions = {}): Promise<LocalWorker> {
  const persist = await mkdtemp(join(opts.stateIn ?? tmpdir(), "sightline-worker-"));
  const { workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml"));
  const { code: script, map: sourceMap } = await bundleWorker(opts.sourceMap);
  const limiters = (workerOptions.ratelimits ?? {}) as Record<string, object>;
  // Miniflare 5 still accepts the v4 option shape that wrangler's helper returns, converted.
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: opts.port ?? 0,
      log: opts.log ?? new Log(opts.logLevel ?? LogLevel.WARN),
      resourcePersistencePath: persist,
      cf: false, // no download of the real request.cf: the tests run offline
      inspectorPort: opts.inspectorPort,
      workers: [
        {
          ...workerOptions,
          name: "sightline",
          modules: [{ type: "ESModule", path: join(ROOT, "worker/index.js"), contents: script }],
          modulesRules: undefined,
          ratelimits:
            opts.hitsPerMinute === undefined
              ? workerOptions.ratelimits
              : {
                  ...limiters,
                  HIT_LIMITER: { ...limiters.HIT_LIMITER, simple: { limit: opts.hitsPerMinute, period: 60 } },
                  PIXEL_LIMITER: { ...limiters.PIXEL_LIMITER, simple: { limit: opts.hitsPerMinute, period: 60 } },
                },
          bindings: {
            ...(workerOptions.bindings as Record<string, unknown>),
            ADMIN_API_KEY: ADMIN_KEY,
            DEMO_PAGES: "off",
            WEBHOOK_SECRET_KEY: E2E_WEBHOOK_SECRET_KEY,
            ...opts.bindings,
          },
          ...(opts.outboundService ? { outboundService: opts.outboundService } : {}),
        } as V4WorkerOptions,
        ...(opts.extraWorkers ?? []),
      ],
    }),
  );
  const url = (await mf.ready).origin;
  const d1 = async (binding: string) => (await mf.getD1Database(binding, "sightline")) as unknown as D1Database;
  const catalog = () => d1("CATALOG");
  const db = () => d1("TENANT_1");
  await applyMigrations(await catalog(), "catalog");
  for (const binding of Object.keys(workerOptions.d1Databases ?? {}).filter((b) => b.startsWith("TENANT_")))
    await applyMigrations(await d1(binding), "tenant");

  const client =
    (headers: Record<string, string>): Client =>
    async (method, path, body) => {
      const res = await fetch(new URL(path, url), {
        method,
        headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
      return text ? JSON.parse(text) : null;
    };

  return {
    url,
    mf,
    catalog,
    db,
    persist,
    sourceMap,
    admin: client({ "x-admin-api-key": ADMIN_KEY }),
    partner: (key) => client({ "x-partner-api-key": key }),
    async stop() {
      await mf.dispose();
      await rm(persist, { recursive: true, force: true });
    },
  };
}

/** Applies migrations/<kind>/*.sql in order, as `wrangler d1 migrations apply --local` would. */
async function applyMigrations(db: D1Database, kind: "catalog" | "tenant") {
  const dir = join(ROOT, "migrations", kind);
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  for (const file of files) {
    const statements = unstable_splitSqlQuery(await readFile(join(dir, file), "utf8"));
    await db.batch(statements.map((s) => db.prepare(s)));
  }
}

/** Loopback of this machine, IPv4 and IPv6: a local browser is identified as this company. */
export const LOCAL_COMPANY = {
  name: "Loopback Labs",
  domain: "loopback-labs.example",
  industry: "Software",
  country: "US",
  ipRanges: ["127.0.0.0/8", "::1/128"],
};

export interface SeededOrganization {
  partnerKey: string;
  organizationId: string;
  pixelKey: string;
  scriptTag: string;
  /** The partner API, authenticated as this organization's partner. */
  api: Client;
}

let partnerSeq = 0;

/**
 * A fresh partner and organization through the real operator and partner APIs, the local
 * company imported, and the pixel configured (allowed hosts, privacy, hash routing).
 */
export async function seedOrganization(
  worker: LocalWorker,
  o: {
    productType?: "B2B" | "B2C";
    credits?: number;
    /** The partner's credit pool (default 1,000). */
    poolTotal?: number;
    /** Import the loopback company (default true). */
    importLocal?: boolean;
    pixel?: { allowedReferrers?: string[]; respectPrivacySignals?: boolean; hashRouting?: boolean };
  } = {},
): Promise<SeededOrganization> {
  const slug = `e2e-${process.pid}-${++partnerSeq}-${Math.random().toString(36).slice(2, 8)}`;
  const { plainKey } = await worker.admin<{ plainKey: string }>("POST", "/api/v1/admin/partners", {
    name: `E2E ${slug}`,
    slug,
    billingMode: "credit_pool",
    creditPoolTotal: o.poolTotal ?? 1_000,
    shard: 1,
  });
  if (o.importLocal !== false) await worker.admin("POST", "/api/v1/admin/companies", [LOCAL_COMPANY]);
  const api = worker.partner(plainKey);
  const { organization } = await api<{ organization: { id: string } }>("POST", "/api/v1/partner/organizations", {
    name: "Client site",
    tier: "paid",
    initialCredits: o.credits ?? 10,
    productType: o.productType ?? "B2B",
  });
  const base = `/api/v1/partner/organizations/${organization.id}/pixel`;
  if (o.pixel) await api("PUT", base, o.pixel);
  const { pixel } = await api<{ pixel: { apiKey: string; scriptTag: string } }>("GET", base);
  return {
    partnerKey: plainKey,
    organizationId: organization.id,
    pixelKey: pixel.apiKey,
    scriptTag: pixel.scriptTag,
    api,
  };
}

/** What a partner sees of an organization: its visitors (page 1) and its credits. */
export async function partnerView(org: SeededOrganization) {
  const base = `/api/v1/partner/organizations/${org.organizationId}`;
  const [list, { organization }] = await Promise.all([
    org.api<{ visitors: Visitor[]; total: number }>("GET", `${base}/visitors?pageSize=100`),
    org.api<{ organization: { creditsUsed: number; credits: number } }>("GET", base),
  ]);
  return { visitors: list.visitors, total: list.total, creditsUsed: organization.creditsUsed };
}

export interface Visitor {
  id: string;
  type: "company" | "person";
  company: { name: string; domain: string } | null;
  person: { name: string | null } | null;
  engagement: { sessions: number; pageViews: number; totalTimeSeconds: number; avgScrollDepth: number };
  pages: { landingPage: string | null; lastPage: string | null; topPages: { path: string; views: number }[] };
}
