import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { everyTenant } from "../../../worker/shards";

// Every test file gets its own storage; the same migrations as production, on the catalog and every shard.
await applyD1Migrations(env.CATALOG, env.TEST_CATALOG_MIGRATIONS);
for (const tenant of everyTenant(env)) await applyD1Migrations(tenant.DB, env.TEST_TENANT_MIGRATIONS);
