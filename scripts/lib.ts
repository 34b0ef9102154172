/**
 * Small helpers shared by the scripts in this folder (Node built-ins only).
 * The scripts run on Node 24 with type stripping: `node scripts/<name>.ts`.
 */
import { spawn, type SpawnOptions } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";

/** Repository root (scripts/..). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DEV_VARS = join(ROOT, ".dev.vars");
export const DEV_VARS_EXAMPLE = join(ROOT, ".dev.vars.example");
/** Git-ignored local state of `npm start` (next to wrangler's own local D1/KV/DO state). */
export const DEMO_STATE_FILE = join(ROOT, ".wrangler", "demo-partner.json");

/**
 * Creates .dev.vars from .dev.vars.example when it is missing, or appends the settings the example
 * gained since (with their example values); returns the names it wrote.
 */
export function ensureDevVars(): string[] {
  const example = parseEnv(readFileSync(DEV_VARS_EXAMPLE, "utf8")) as Record<string, string>;
  if (!existsSync(DEV_VARS)) {
    copyFileSync(DEV_VARS_EXAMPLE, DEV_VARS);
    return Object.keys(example);
  }
  const present = readDevVars();
  const missing = Object.keys(example).filter((name) => !(name in present));
  if (missing.length > 0) {
    const lines = missing.map((name) => `${name}=${example[name]}`).join("\n");
    appendFileSync(DEV_VARS, `\n# Added from .dev.vars.example by npm start\n${lines}\n`);
  }
  return missing;
}

/** The variables of .dev.vars (dotenv syntax), as wrangler dev reads them. */
export function readDevVars(): Record<string, string> {
  if (!existsSync(DEV_VARS)) return {};
  return parseEnv(readFileSync(DEV_VARS, "utf8")) as Record<string, string>;
}

/** Absolute path of the locally installed wrangler CLI entry point. */
export function wranglerBin(): string {
  const require = createRequire(join(ROOT, "package.json"));
  const pkgPath = require.resolve("wrangler/package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { bin: string | Record<string, string> };
  const bin = typeof pkg.bin === "string" ? pkg.bin : pkg.bin.wrangler;
  if (!bin) throw new Error(`${pkgPath} names no wrangler executable`);
  return join(dirname(pkgPath), bin);
}

/**
 * Environment for every wrangler child: never ask questions, and reach nothing but this machine
 * unless the command itself must (a deploy): no telemetry, no check of the npm registry for a newer
 * wrangler (its banner), and no download of `Request.cf` from workers.cloudflare.com (Miniflare's on
 * each local start; the local Worker gets Miniflare's placeholder, as the tests' Miniflare with `cf: false`).
 */
export function wranglerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_HIDE_BANNER: "true",
    CLOUDFLARE_CF_FETCH_ENABLED: "false",
    ...extra,
  };
}

/** Runs a command to completion with inherited output; rejects on a non-zero exit. */
export function run(command: string, args: string[], options: SpawnOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "inherit", "inherit"], ...options });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${[command, ...args].join(" ")} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/**
 * Runs a command to completion and returns its combined output (or its standard output alone, for
 * a document it prints); on failure the error carries both.
 */
export function capture(
  command: string,
  args: string[],
  options: SpawnOptions = {},
  returns: "output" | "stdout" = "output",
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, ...options, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    let stdout = "";
    child.stdout?.on("data", (chunk: Buffer) => ((output += chunk.toString()), (stdout += chunk.toString())));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code, signal) => {
      if (code === 0) resolve(returns === "stdout" ? stdout : output);
      else reject(new Error(`${[command, ...args].join(" ")} failed (${signal ?? `exit code ${code}`}):\n${output}`));
    });
  });
}

/** Runs the local wrangler CLI with the Node that runs this script (Node 24 under npm), quietly. */
export function captureWrangler(
  args: string[],
  extraEnv: Record<string, string> = {},
  returns: "output" | "stdout" = "output",
): Promise<string> {
  return capture(process.execPath, [wranglerBin(), ...args], { env: wranglerEnv(extraEnv) }, returns);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The D1 bindings wrangler.toml declares: the catalog and every tenant shard (TENANT_<n>). */
export function d1Bindings(): string[] {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const sections = toml.split("[[d1_databases]]").slice(1);
  return sections.map((s) => /^\s*binding\s*=\s*"([^"]+)"/m.exec(s)?.[1]).filter((b) => b !== undefined);
}
