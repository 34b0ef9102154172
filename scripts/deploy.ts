/**
 * `npm run deploy`: applies the D1 migrations to every remote database wrangler.toml lists (the
 * catalog and each tenant shard), then deploys the Worker, then the edge Worker (wrangler.edge.toml,
 * the pixel path alone: docs/operations.md#the-edge-worker). A new shard is a wrangler.toml entry:
 * this migrates it before the Worker that knows it goes live (docs/operations.md#shards).
 */
import { d1Bindings, run, wranglerBin, wranglerEnv } from "./lib.ts";

for (const binding of d1Bindings()) {
  console.log(`[deploy] migrating ${binding}`);
  await run(process.execPath, [wranglerBin(), "d1", "migrations", "apply", binding, "--remote"], {
    env: wranglerEnv(),
  });
}
await run(process.execPath, [wranglerBin(), "deploy"], { env: wranglerEnv() });
await run(process.execPath, [wranglerBin(), "deploy", "-c", "wrangler.edge.toml"], { env: wranglerEnv() });
