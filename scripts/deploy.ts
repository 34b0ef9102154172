/**
 * `npm run deploy`: the whole release, on a fresh Cloudflare account as on the hundredth deploy.
 *
 *   1. reads wrangler.toml: the D1 databases, the KV namespace, the queues and their dead-letter
 *      queues, the settings and which secrets they call for;
 *   2. refuses to go on, with the list of what is missing, without a login, without the platform's
 *      base URLs, or without a required secret;
 *   3. creates the D1 databases and the queues that do not exist yet (by name, so running it again
 *      creates nothing); the KV namespace is provisioned by `wrangler deploy` itself;
 *   4. applies the D1 migrations to every database (the catalog and each tenant shard);
 *   5. `wrangler deploy` of the Worker, then of the edge Worker (wrangler.edge.toml, the pixel path
 *      alone: docs/operations.md#the-edge-worker).
 *
 * `npm run deploy -- --dry-run` needs no account: it builds the Worker (`wrangler deploy --dry-run`)
 * and lists what a deploy would create, migrate and require, without contacting Cloudflare.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { experimental_readRawConfig } from "wrangler";
import { captureWrangler, ROOT, run, wranglerBin, wranglerEnv } from "./lib.ts";

const dryRun = process.argv.includes("--dry-run");

interface Plan {
  workerName: string;
  databases: { binding: string; name: string; migrationsDir: string }[];
  kv: string[];
  queues: string[];
  vars: Record<string, string>;
}

/** The parts of wrangler.toml read here. */
interface DeployConfig {
  name?: string;
  d1_databases?: { binding: string; database_name?: string; migrations_dir?: string }[];
  kv_namespaces?: { binding: string }[];
  queues?: { producers?: { queue: string }[]; consumers?: { queue: string; dead_letter_queue?: string }[] };
  vars?: Record<string, unknown>;
}

function readPlan(): Plan {
  const config = experimental_readRawConfig({ config: join(ROOT, "wrangler.toml") }).rawConfig as DeployConfig;
  const consumers = config.queues?.consumers ?? [];
  const queues = new Set<string>([
    ...(config.queues?.producers ?? []).map((p) => p.queue),
    ...consumers.map((c) => c.queue),
    ...consumers.flatMap((c) => (c.dead_letter_queue ? [c.dead_letter_queue] : [])),
  ]);
  return {
    workerName: config.name ?? "sightline",
    databases: (config.d1_databases ?? []).map((d) => ({
      binding: d.binding,
      name: d.database_name ?? `${config.name}-${d.binding.toLowerCase().replaceAll("_", "-")}`,
      migrationsDir: d.migrations_dir ?? "migrations",
    })),
    kv: (config.kv_namespaces ?? []).map((k) => k.binding),
    queues: [...queues],
    vars: Object.fromEntries(Object.entries(config.vars ?? {}).map(([k, v]) => [k, String(v)])),
  };
}

/** Settings the Worker needs in production, with why; empty when all is well. */
function missingSettings(vars: Record<string, string>): string[] {
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

/** The secrets this configuration needs: always the two, and the Cloudflare token with a zone. */
function requiredSecrets(vars: Record<string, string>): { name: string; how: string }[] {
  return [
    { name: "ADMIN_API_KEY", how: "openssl rand -hex 32 | npx wrangler secret put ADMIN_API_KEY" },
    { name: "WEBHOOK_SECRET_KEY", how: "openssl rand -base64 32 | npx wrangler secret put WEBHOOK_SECRET_KEY" },
    ...(vars.CLOUDFLARE_ZONE_ID
      ? [
          {
            name: "CLOUDFLARE_API_TOKEN",
            how: "npx wrangler secret put CLOUDFLARE_API_TOKEN   # the token of docs/operations.md#custom-domains-with-tls-cloudflare-for-saas",
          },
        ]
      : []),
  ];
}

const migrationsOf = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => f.endsWith(".sql"))
    .sort();

const wrangler = (args: string[]) => captureWrangler(args, { CI: "true" });
const log = (line: string) => console.log(`[deploy] ${line}`);

function fail(title: string, items: string[]): never {
  console.error(`\n[deploy] ${title}:\n${items.map((i) => `  - ${i}`).join("\n")}\n`);
  process.exit(1);
}

const plan = readPlan();
const settings = missingSettings(plan.vars);
const secrets = requiredSecrets(plan.vars);

if (dryRun) {
  log("dry run: nothing is created or uploaded, and Cloudflare is not contacted");
  await run(process.execPath, [wranglerBin(), "deploy", "--dry-run", "--outdir", ".wrangler/dry-run"], {
    env: wranglerEnv(),
  });
  console.log(`
[deploy] A deploy of "${plan.workerName}" would:
  create when missing (by name; existing ones are used as they are):
${plan.databases.map((d) => `    D1 database  ${d.name}  (binding ${d.binding})`).join("\n")}
${plan.queues.map((q) => `    queue        ${q}`).join("\n")}
${plan.kv.map((b) => `    KV namespace ${plan.workerName}-${b.toLowerCase()}  (binding ${b}; created by wrangler deploy, kept on later deploys)`).join("\n")}
  apply the D1 migrations not applied yet:
${plan.databases.map((d) => `    ${d.binding}: ${migrationsOf(d.migrationsDir).join(", ")}`).join("\n")}
  require these secrets (wrangler secret put):
${secrets.map((s) => `    ${s.name}`).join("\n")}
  and these settings: ${settings.length === 0 ? "all set" : `\n${settings.map((s) => `    MISSING ${s}`).join("\n")}`}
  then upload the Worker built above (.wrangler/dry-run).`);
  process.exit(0);
}

// 1. Whether everything the Worker needs is there, and who is deploying, before anything is created.
if (settings.length > 0) fail("Settings missing", settings);
try {
  await wrangler(["whoami", "--json"]);
} catch {
  fail("Not logged in to Cloudflare", [
    "run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN), then `npm run deploy`",
  ]);
}
if (settings.length > 0) fail("Settings missing", settings);

let setSecrets: string[] = [];
try {
  setSecrets = (JSON.parse(await wrangler(["secret", "list", "--format", "json"])) as { name: string }[]).map(
    (s) => s.name,
  );
} catch (error) {
  // No Worker yet: none of its secrets exist. `wrangler secret put` offers to create the Worker.
  if (!/not found|does not exist|10007/i.test(String(error))) throw error;
}
const missingSecrets = secrets.filter((s) => !setSecrets.includes(s.name));
if (missingSecrets.length > 0)
  fail(
    "Secrets missing (set each, then run npm run deploy again)",
    missingSecrets.map((s) => s.how),
  );

// 2. Resources that do not exist yet, by name.
const existing = new Set(
  (JSON.parse(await wrangler(["d1", "list", "--json"])) as { name: string }[]).map((d) => d.name),
);
for (const db of plan.databases) {
  if (existing.has(db.name)) continue;
  log(`creating D1 database ${db.name}`);
  await wrangler(["d1", "create", db.name]);
}
for (const queue of plan.queues) {
  try {
    await wrangler(["queues", "info", queue]);
  } catch (error) {
    if (!/does not exist/i.test(String(error))) throw error;
    log(`creating queue ${queue}`);
    await wrangler(["queues", "create", queue]);
  }
}

// 3. Migrations before the Worker that needs them goes live (docs/operations.md#releases).
for (const db of plan.databases) {
  log(`migrating ${db.binding} (${db.name})`);
  await run(process.execPath, [wranglerBin(), "d1", "migrations", "apply", db.binding, "--remote"], {
    env: wranglerEnv({ CI: "true" }),
  });
}

// 4. The Worker; wrangler creates the KV namespace on the first deploy and links every resource by name.
await run(process.execPath, [wranglerBin(), "deploy"], { env: wranglerEnv() });
await run(process.execPath, [wranglerBin(), "deploy", "-c", "wrangler.edge.toml"], { env: wranglerEnv() });
