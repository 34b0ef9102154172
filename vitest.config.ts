import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const catalogMigrations = await readD1Migrations("./migrations/catalog");
const tenantMigrations = await readD1Migrations("./migrations/tenant");

export default defineConfig({
  test: {
    projects: [
      {
        // Inside workerd, with the real D1, KV, Durable Objects and Queues of wrangler.toml.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // WEBHOOK_TIMEOUT_MS: webhook attempts time out after 3 s instead of 30 s, so a test can show it.
              // WEBHOOK_SECRET_KEY: the AES key webhook secrets are sealed with (a test-only value).
              // ALLOW_INSECURE_WEBHOOKS, DEMO_PAGES: off whatever `npm start` wrote to .dev.vars.
              bindings: {
                ALLOW_INSECURE_WEBHOOKS: "",
                DEMO_PAGES: "",
                TEST_CATALOG_MIGRATIONS: catalogMigrations,
                TEST_TENANT_MIGRATIONS: tenantMigrations,
                ADMIN_API_KEY: "test-admin-key",
                WEBHOOK_TIMEOUT_MS: "3000",
                WEBHOOK_SECRET_KEY: "dml0ZXN0LW9ubHktd2ViaG9vay1zZWNyZXQta2V5LSE=",
              },
              // A real rate-limit binding with a small limit, standing in for a limiter of wrangler.toml
              // (fetchWith) so a test can reach its limit in a few requests.
              ratelimits: { TEST_SMALL_LIMITER: { namespace_id: "9901", simple: { limit: 5, period: 60 } } },
              // Outbound fetches go to a real receiver Worker (webhook tests); hosts it does not know get 502.
              outboundService: "receiver",
              workers: [
                {
                  name: "receiver",
                  modules: true,
                  scriptPath: "./test/fixtures/webhook-receiver.js",
                  compatibilityDate: "2026-11-01",
                  durableObjects: { BUCKETS: "Bucket" },
                },
              ],
            },
          }),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          setupFiles: ["test/worker/support/apply-migrations.ts"],
        },
      },
      {
        // Node side: the import graph of the Workers, as wrangler bundles them (docs/architecture.md).
        test: { name: "architecture", include: ["test/architecture/**/*.test.ts"], testTimeout: 60_000 },
      },
      {
        // Node side: the pixel in a real Chromium against a real local Worker.
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
