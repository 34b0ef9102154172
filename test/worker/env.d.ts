import type { D1Migration } from "@cloudflare/vitest-plugin";
import type { Env as WorkerEnv } from "../../worker/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_CATALOG_MIGRATIONS: D1Migration[];
      TEST_TENANT_MIGRATIONS: D1Migration[];
      /** A rate-limit binding of 5 per minute (vitest.config.ts), in place of a limiter of wrangler.toml. */
      TEST_SMALL_LIMITER: RateLimit;
    }
  }
}
