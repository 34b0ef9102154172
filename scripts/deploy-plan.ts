/**
 * What `npm run deploy` (scripts/deploy.ts) reads from the two Wrangler configurations, what it asks
 * Cloudflare before it changes anything, and the edge Worker's configuration it deploys with.
 *
 *   - wrangler.toml: the main Worker ("sightline"), its D1 databases and their migrations, the KV
 *     namespace, the queues and their dead-letter queues, the settings and the secrets they call for;
 *   - wrangler.edge.toml: the edge Worker ("sightline-edge", the pixel path alone), which binds the
 *     main Worker's resources (docs/operations.md#the-edge-worker).
 *
 * Wrangler links a D1 database or a queue of a second Worker by its name, but a KV namespace only by
 * id (an `[[kv_namespaces]]` entry without one gets a namespace of its own on the first deploy). So
 * the edge is deployed from a generated copy of wrangler.edge.toml that carries the ids of the
 * namespaces the main Worker is bound to (`EDGE_DEPLOY_CONFIG`, git-ignored).
 */
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { experimental_readRawConfig } from "wrangler";
import { captureWrangler, ROOT } from "./lib.ts";

export const MAIN_CONFIG = "wrangler.toml";
export const EDGE_CONFIG = "wrangler.edge.toml";
/** The edge's configuration with the KV ids filled in, written beside wrangler.edge.toml (its paths are relative). */
export const EDGE_DEPLOY_CONFIG = "wrangler.edge.generated.jsonc";

export interface Secret {
  name: string;
  /** The command that sets it. */
  how: string;
}

export interface WorkerPlan {
  name: string;
  /** Its configuration file, relative to the repository. */
  config: string;
  databases: { binding: string; name: string; migrationsDir: string | null }[];
  /** KV bindings, with the title wrangler gives the namespace it creates for the main Worker. */
  kv: { binding: string; title: string }[];
  queues: string[];
  secrets: Secret[];
}

export interface Plan {
  main: WorkerPlan;
  edge: WorkerPlan;
  /** `[vars]` of wrangler.toml. */
  vars: Record<string, string>;
}

/** The parts of a Wrangler configuration read here. */
interface RawConfig {
  name?: string;
  d1_databases?: { binding: string; database_name?: string; migrations_dir?: string }[];
  kv_namespaces?: { binding: string; id?: string }[];
  queues?: { producers?: { queue: string }[]; consumers?: { queue: string; dead_letter_queue?: string }[] };
  vars?: Record<string, unknown>;
}

const readRaw = (root: string, file: string) =>
  experimental_readRawConfig({ config: join(root, file) }).rawConfig as RawConfig & Record<string, unknown>;

/** The name wrangler gives a resource it creates for a binding without one (`sightline-pixels`). */
const provisionedName = (worker: string, binding: string) => `${worker}-${binding.toLowerCase().replaceAll("_", "-")}`;

function workerPlan(config: RawConfig, file: string, secrets: Secret[]): WorkerPlan {
  const name = config.name ?? "sightline";
  const consumers = config.queues?.consumers ?? [];
  return {
    name,
    config: file,
    databases: (config.d1_databases ?? []).map((d) => ({
      binding: d.binding,
      name: d.database_name ?? provisionedName(name, d.binding),
      migrationsDir: d.migrations_dir ?? null,
    })),
    kv: (config.kv_namespaces ?? []).map((k) => ({ binding: k.binding, title: provisionedName(name, k.binding) })),
    queues: [
      ...new Set([
        ...(config.queues?.producers ?? []).map((p) => p.queue),
        ...consumers.map((c) => c.queue),
        ...consumers.flatMap((c) => (c.dead_letter_queue ? [c.dead_letter_queue] : [])),
      ]),
    ],
    secrets,
  };
}

/** Reads both configurations. */
export function readPlan(root = ROOT): Plan {
  const main = readRaw(root, MAIN_CONFIG);
  const edge = readRaw(root, EDGE_CONFIG);
  const vars = Object.fromEntries(Object.entries(main.vars ?? {}).map(([k, v]) => [k, String(v)]));
  const edgeFlag = `-c ${EDGE_CONFIG}`;
  const mainSecrets: Secret[] = [
    {
      name: "ADMIN_API_KEY",
      how: "openssl rand -hex 32 | npx wrangler secret put ADMIN_API_KEY   # the operator key: keep a copy",
    },
    {
      name: "WEBHOOK_SECRET_KEY",
      how: `key="$(openssl rand -base64 32)" && echo "$key" | npx wrangler secret put WEBHOOK_SECRET_KEY && echo "$key" | npx wrangler secret put WEBHOOK_SECRET_KEY ${edgeFlag}   # once, for both Workers; keep a copy, never change it`,
    },
    ...(vars.CLOUDFLARE_ZONE_ID
      ? [
          {
            name: "CLOUDFLARE_API_TOKEN",
            how: "npx wrangler secret put CLOUDFLARE_API_TOKEN   # the token of docs/operations.md#custom-domains-with-tls-cloudflare-for-saas",
          },
        ]
      : []),
  ];
  const edgeSecrets: Secret[] = [
    {
      name: "WEBHOOK_SECRET_KEY",
      how: `echo "$key" | npx wrangler secret put WEBHOOK_SECRET_KEY ${edgeFlag}   # $key: the main Worker's WEBHOOK_SECRET_KEY, the same value`,
    },
  ];
  return {
    main: workerPlan(main, MAIN_CONFIG, mainSecrets),
    edge: workerPlan(edge, EDGE_CONFIG, edgeSecrets),
    vars,
  };
}

/** Settings the Worker needs in production, with why; empty when all is well. */
export function missingSettings(vars: Record<string, string>): string[] {
  const missing: string[] = [];
  for (const name of ["SCRIPT_BASE_URL", "DASHBOARD_BASE_URL"]) {
    const value = vars[name] ?? "";
    if (!/^https:\/\/[^/]+\/?$/.test(value))
      missing.push(
        `${name} in [vars] of wrangler.toml: the https origin of your ${name === "SCRIPT_BASE_URL" ? "script host" : "API and dashboards"}, e.g. https://${name === "SCRIPT_BASE_URL" ? "t" : "app"}.your-platform.com (now ${JSON.stringify(value)})`,
      );
  }
  if (vars.CLOUDFLARE_ZONE_ID && !vars.SCRIPT_CNAME_TARGET)
    missing.push(
      "SCRIPT_CNAME_TARGET in [vars] of wrangler.toml: with CLOUDFLARE_ZONE_ID, the zone's fallback origin partners' domains CNAME to, e.g. customers.your-platform.com (docs/operations.md#custom-domains-with-tls-cloudflare-for-saas)",
    );
  return missing;
}

/** Problems that make the edge Worker bind something the main Worker does not create. */
export function edgeMismatches(plan: Plan): string[] {
  const { main, edge } = plan;
  return [
    ...edge.databases
      .filter((d) => !main.databases.some((m) => m.binding === d.binding && m.name === d.name))
      .map((d) => `${EDGE_CONFIG}: D1 ${d.binding} = "${d.name}" is no database of ${MAIN_CONFIG}`),
    ...edge.kv
      .filter((k) => !main.kv.some((m) => m.binding === k.binding))
      .map((k) => `${EDGE_CONFIG}: KV ${k.binding} is no namespace of ${MAIN_CONFIG}`),
    ...edge.queues
      .filter((q) => !main.queues.includes(q))
      .map((q) => `${EDGE_CONFIG}: queue ${q} is no queue of ${MAIN_CONFIG}`),
  ];
}

const migrationsOf = (root: string, dir: string) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith(".sql"))
    .sort();

/** What a deploy would create, migrate, require and upload: the dry run's answer. */
export function describePlan(plan: Plan, root = ROOT): string {
  const { main, edge } = plan;
  const settings = missingSettings(plan.vars);
  const lines = [
    `A deploy would:`,
    `  create when missing (by name; existing ones are used as they are):`,
    ...main.databases.map((d) => `    D1 database  ${d.name}  (binding ${d.binding})`),
    ...main.queues.map((q) => `    queue        ${q}`),
    ...main.kv.map(
      (k) => `    KV namespace ${k.title}  (binding ${k.binding}; created by wrangler deploy, kept on later deploys)`,
    ),
    `  apply the D1 migrations not applied yet:`,
    ...main.databases
      .filter((d) => d.migrationsDir !== null)
      .map((d) => `    ${d.binding}: ${migrationsOf(root, d.migrationsDir!).join(", ")}`),
    `  require these secrets (wrangler secret put):`,
    ...main.secrets.map((s) => `    ${s.name}  (${main.name})`),
    ...edge.secrets.map((s) => `    ${s.name}  (${edge.name}, -c ${edge.config}: the same value)`),
    settings.length === 0 ? `  and these settings: all set` : `  and these settings, missing now:`,
    ...settings.map((s) => `    MISSING ${s}`),
    `  then upload the Worker "${main.name}" (${main.config}, built in .wrangler/dry-run)`,
    `  and the edge Worker "${edge.name}" (${edge.config}, built in .wrangler/dry-run-edge), bound to the same`,
    ...edge.databases.map((d) => `    D1 database  ${d.name}  (binding ${d.binding}, by name)`),
    ...edge.kv.map(
      (k) =>
        `    KV namespace of ${main.name}'s ${k.binding} binding (${main.kv.find((m) => m.binding === k.binding)?.title ?? "?"}; its id is read from ${main.name}'s deployment into ${EDGE_DEPLOY_CONFIG})`,
    ),
    ...edge.queues.map((q) => `    queue        ${q}  (producer)`),
    ...edgeMismatches(plan).map((m) => `    MISMATCH ${m}`),
  ];
  return lines.join("\n");
}

// --- What Cloudflare has, through wrangler (the login of `npx wrangler login`, or CLOUDFLARE_API_TOKEN) ---

/** Runs wrangler without prompts and parses the JSON document it printed (warnings go to stderr). */
async function wranglerJson<T>(args: string[]): Promise<T> {
  return JSON.parse(await captureWrangler(args, { CI: "true" }, "stdout")) as T;
}

export async function isLoggedIn(): Promise<boolean> {
  try {
    await captureWrangler(["whoami", "--json"], { CI: "true" });
    return true;
  } catch {
    return false;
  }
}

/** The secrets of both Workers that are not set yet (a Worker not created yet has none). */
export async function missingSecrets(plan: Plan): Promise<(Secret & { worker: string })[]> {
  const missing: (Secret & { worker: string })[] = [];
  for (const worker of [plan.main, plan.edge]) {
    let set: string[] = [];
    try {
      set = (await wranglerJson<{ name: string }[]>(["secret", "list", "--format", "json", "-c", worker.config])).map(
        (s) => s.name,
      );
    } catch (error) {
      if (!/not found|does not exist|10007/i.test(String(error))) throw error;
    }
    missing.push(...worker.secrets.filter((s) => !set.includes(s.name)).map((s) => ({ ...s, worker: worker.name })));
  }
  return missing;
}

interface Deployment {
  versions: { version_id: string; percentage: number }[];
}
interface Version {
  resources: { bindings: { type: string; name: string; namespace_id?: string }[] };
}

/**
 * The ids of the KV namespaces the main Worker's deployment is bound to, by binding: read from the
 * version that serves most of its traffic (`wrangler deployments status`, `wrangler versions view`).
 */
export async function deployedNamespaceIds(plan: Plan): Promise<Record<string, string>> {
  const deployment = await wranglerJson<Deployment>(["deployments", "status", "--json", "-c", plan.main.config]);
  const [current] = [...deployment.versions].sort((a, b) => b.percentage - a.percentage);
  if (!current) throw new Error(`${plan.main.name} has no deployed version`);
  const version = await wranglerJson<Version>([
    "versions",
    "view",
    current.version_id,
    "--json",
    "-c",
    plan.main.config,
  ]);
  const ids: Record<string, string> = {};
  for (const { binding } of plan.main.kv) {
    const bound = version.resources.bindings.find((b) => b.type === "kv_namespace" && b.name === binding);
    if (!bound?.namespace_id)
      throw new Error(`${plan.main.name}'s deployed version ${current.version_id} has no KV binding ${binding}`);
    ids[binding] = bound.namespace_id;
  }
  return ids;
}

/**
 * Writes wrangler.edge.toml as JSON with the main Worker's namespace ids in its `[[kv_namespaces]]`
 * (everything else as written there); returns the file's name, for `wrangler deploy -c`.
 */
export function writeEdgeDeployConfig(namespaceIds: Record<string, string>, root = ROOT): string {
  const raw = readRaw(root, EDGE_CONFIG);
  const kv = (raw.kv_namespaces ?? []).map((k) => {
    const id = namespaceIds[k.binding];
    if (!id) throw new Error(`no namespace id for the edge's KV binding ${k.binding}`);
    return { ...k, id };
  });
  const header = `// Generated by scripts/deploy.ts from ${EDGE_CONFIG} with the main Worker's KV namespace ids. Do not edit.\n`;
  writeFileSync(join(root, EDGE_DEPLOY_CONFIG), header + JSON.stringify({ ...raw, kv_namespaces: kv }, null, 2) + "\n");
  return EDGE_DEPLOY_CONFIG;
}
