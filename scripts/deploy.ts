/**
 * `npm run deploy`: the whole release, on a fresh Cloudflare account as on the hundredth deploy.
 *
 *   1. reads wrangler.toml and wrangler.edge.toml (scripts/deploy-plan.ts): the D1 databases, the KV
 *      namespace, the queues and their dead-letter queues, the settings and the secrets of both Workers;
 *   2. refuses to go on, with the list of what is missing, without the platform's base URLs, without a
 *      login, or without a secret of either Worker;
 *   3. creates the D1 databases and the queues that do not exist yet (by name, so running it again
 *      creates nothing); the KV namespace is provisioned by the main Worker's `wrangler deploy`;
 *   4. applies the D1 migrations to every database (the catalog and each tenant shard);
 *   5. `wrangler deploy` of the main Worker, then of the edge Worker (the pixel path alone:
 *      docs/operations.md#the-edge-worker), bound to the namespace the main Worker is bound to.
 *
 * `npm run deploy -- --dry-run` needs no account: it builds both Workers (`wrangler deploy --dry-run`)
 * and lists what a deploy would create, migrate and require, without contacting Cloudflare.
 */
import { captureWrangler, run, wranglerBin, wranglerEnv } from "./lib.ts";
import {
  deployedNamespaceIds,
  describePlan,
  edgeMismatches,
  isLoggedIn,
  missingSecrets,
  missingSettings,
  readPlan,
  writeEdgeDeployConfig,
} from "./deploy-plan.ts";

const dryRun = process.argv.includes("--dry-run");

const wrangler = (args: string[]) => captureWrangler(args, { CI: "true" });
const wranglerLoud = (args: string[], env: Record<string, string> = {}) =>
  run(process.execPath, [wranglerBin(), ...args], { env: wranglerEnv(env) });
const log = (line: string) => console.log(`[deploy] ${line}`);

function fail(title: string, items: string[]): never {
  console.error(`\n[deploy] ${title}:\n${items.map((i) => `  - ${i}`).join("\n")}\n`);
  process.exit(1);
}

const plan = readPlan();
const { main, edge } = plan;

if (dryRun) {
  log("dry run: nothing is created or uploaded, and Cloudflare is not contacted");
  await wranglerLoud(["deploy", "--dry-run", "-c", main.config, "--outdir", ".wrangler/dry-run"]);
  await wranglerLoud(["deploy", "--dry-run", "-c", edge.config, "--outdir", ".wrangler/dry-run-edge"]);
  console.log(`\n[deploy] ${describePlan(plan).replaceAll("\n", "\n[deploy] ")}`);
  process.exit(0);
}

// 1. Whether everything the Workers need is there, and who is deploying, before anything is created.
const mismatches = edgeMismatches(plan);
if (mismatches.length > 0) fail("The edge Worker binds what the main Worker does not have", mismatches);
const settings = missingSettings(plan.vars);
if (settings.length > 0) fail("Settings missing", settings);
if (!(await isLoggedIn()))
  fail("Not logged in to Cloudflare", [
    "run `npx wrangler login` (or set CLOUDFLARE_API_TOKEN), then `npm run deploy`",
  ]);
const secrets = await missingSecrets(plan);
if (secrets.length > 0)
  fail(
    "Secrets missing (set each, then run npm run deploy again)",
    secrets.map((s) => `${s.name} of ${s.worker}: ${s.how}`),
  );

// 2. Resources that do not exist yet, by name.
const existing = new Set(
  (JSON.parse(await captureWrangler(["d1", "list", "--json"], { CI: "true" }, "stdout")) as { name: string }[]).map(
    (d) => d.name,
  ),
);
for (const db of main.databases) {
  if (existing.has(db.name)) continue;
  log(`creating D1 database ${db.name}`);
  await wrangler(["d1", "create", db.name]);
}
for (const queue of main.queues) {
  try {
    await wrangler(["queues", "info", queue]);
  } catch (error) {
    if (!/does not exist|not found/i.test(String(error))) throw error;
    log(`creating queue ${queue}`);
    await wrangler(["queues", "create", queue]);
  }
}

// 3. Migrations before the Worker that needs them goes live (docs/operations.md#releases).
for (const db of main.databases.filter((d) => d.migrationsDir !== null)) {
  log(`migrating ${db.binding} (${db.name})`);
  await wranglerLoud(["d1", "migrations", "apply", db.binding, "--remote", "-c", main.config], { CI: "true" });
}

// 4. The main Worker: wrangler creates its KV namespace on the first deploy and links the rest by name.
await wranglerLoud(["deploy", "-c", main.config]);

// 5. The edge Worker, bound to the main Worker's namespace (by id: wrangler would create another one).
const namespaceIds = await deployedNamespaceIds(plan);
log(
  `the edge Worker binds ${Object.entries(namespaceIds)
    .map(([b, id]) => `${b} = ${id}`)
    .join(", ")}`,
);
await wranglerLoud(["deploy", "-c", writeEdgeDeployConfig(namespaceIds)]);
