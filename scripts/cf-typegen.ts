/**
 * Generates the base of the Worker's `Env` from wrangler.toml: `npm run cf-typegen`.
 *
 * Writes worker/env.generated.d.ts (committed; worker/env.ts narrows it). Secrets are named
 * from .dev.vars.example rather than a developer's .dev.vars, so every machine generates the
 * same file; runtime types come from @cloudflare/workers-types, not from the generator.
 *
 * `--check` (run by `npm test`) regenerates and fails when that changed the file: the
 * committed types were stale. The regenerated file is left in place, ready to commit.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { captureWrangler, ROOT } from "./lib.ts";

const OUTPUT = "worker/env.generated.d.ts";
const path = join(ROOT, OUTPUT);
const read = () => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
};

const check = process.argv.includes("--check");
const before = read();
await captureWrangler([
  "types",
  OUTPUT,
  "--env-interface",
  "GeneratedEnv",
  "--env-file",
  ".dev.vars.example",
  "--include-runtime",
  "false",
  "--strict-vars",
  "false",
]);
if (check && read() !== before) {
  console.error(`${OUTPUT} did not match wrangler.toml; regenerated it (npm run cf-typegen): review and commit it.`);
  process.exit(1);
}
console.log(`${OUTPUT}: ${check ? "up to date" : "written"}`);
