import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
// The SMTP sinks the Worker tests mail to; typed here, started by the worker project's globalSetup.
import type {} from "./test/fixtures/mail-sinks";

const catalogMigrations = await readD1Migrations("./migrations/catalog");
const tenantMigrations = await readD1Migrations("./migrations/tenant");
const CLOUDFLARE = { zoneId: "test-zone", apiToken: "test-cloudflare-token" };

// Outbound fetches of the tests' Worker go to this receiver Worker (webhooks, Slack, Teams, DoH).
const RECEIVER = {
  name: "receiver",
  modules: true,
  scriptPath: "./test/fixtures/webhook-receiver.js",
  compatibilityDate: "2026-11-01",
  durableObjects: { BUCKETS: "Bucket" },
  serviceBindings: { CLOUDFLARE: "cloudflare-api" },
};

// Cloudflare's API for custom hostnames, as its documentation describes it.
const CLOUDFLARE_STAND_IN = {
  name: "cloudflare-api",
  modules: true,
  scriptPath: "./test/fixtures/cloudflare-api.js",
  compatibilityDate: "2026-11-01",
  durableObjects: { WORLD: "World" },
  // The zone's CNAME target is the host the tests call the API on (cnameTarget() without configuration).
  bindings: { ZONE_ID: CLOUDFLARE.zoneId, API_TOKEN: CLOUDFLARE.apiToken, CNAME_TARGET: "api.test" },
};

export default defineConfig({
  test: {
    projects: [
      {
        // Inside workerd, with the real D1, KV, Durable Objects and Queues of wrangler.toml.
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              // WEBHOOK_TIMEOUT_MS: webhook attempts time out after 3 s instead of 30 s, so a test can show it.
              // WEBHOOK_SECRET_KEY: the AES key webhook secrets are sealed with (a test-only value).
              // ALLOW_INSECURE_WEBHOOKS, DEMO_PAGES: off whatever `npm start` wrote to .dev.vars. The platform's
              // host is the tests' (https://api.test), as in production; script tags use the request's origin.
              // CLOUDFLARE_*: partners' domains become custom hostnames of a zone at the Cloudflare stand-in
              // (test/fixtures/cloudflare-api.js), whose DNS our domain check reads too (through the receiver).
              // MAIL_*: the platform's relay is the "open" SMTP sink of test/fixtures/mail-sinks.ts (on
              // loopback, hence ALLOW_LOCAL_SMTP); DASHBOARD_BASE_URL: the origin the tests call, for
              // links in mail sent in the background. TEST_MAIL_SINKS: ports and accounts of every sink.
              bindings: {
                ALLOW_INSECURE_WEBHOOKS: "",
                ALLOW_LOCAL_SMTP: "on",
                MAIL_FROM: "notifications@mail.test",
                MAIL_SMTP_URL: `smtp://127.0.0.1:${inject("mailSinks").open}?security=none`,
                DASHBOARD_BASE_URL: "https://api.test",
                TEST_MAIL_SINKS: JSON.stringify({ ...inject("mailSinks"), certificate: undefined }),
                DEMO_PAGES: "",
                SCRIPT_BASE_URL: "",
                CLOUDFLARE_ZONE_ID: CLOUDFLARE.zoneId,
                CLOUDFLARE_API_TOKEN: CLOUDFLARE.apiToken,
                CLOUDFLARE_API_BASE: "https://api.cloudflare.test/client/v4",
                CLOUDFLARE_NOTIFICATION_SECRET: "test-notification-secret",
                TEST_CATALOG_MIGRATIONS: catalogMigrations,
                TEST_TENANT_MIGRATIONS: tenantMigrations,
                ADMIN_API_KEY: "test-admin-key",
                WEBHOOK_TIMEOUT_MS: "3000",
                WEBHOOK_SECRET_KEY: "dml0ZXN0LW9ubHktd2ViaG9vay1zZWNyZXQta2V5LSE=",
                // The money property test (test/worker/money.property.test.ts): `npm run test:soak` sets these.
                PROPERTY_SEED: process.env.PROPERTY_SEED ?? "",
                PROPERTY_RUNS: process.env.PROPERTY_RUNS ?? "",
                PROPERTY_PATH: process.env.PROPERTY_PATH ?? "",
              },
              // A real rate-limit binding with a small limit, standing in for a limiter of wrangler.toml
              // (fetchWith) so a test can reach its limit in a few requests.
              ratelimits: { TEST_SMALL_LIMITER: { namespace_id: "9901", simple: { limit: 5, period: 60 } } },
              // Outbound fetches go to a real receiver Worker (webhook tests); hosts it does not know get 502.
              // Its `connect` handler passes sockets to loopback on (the SMTP sinks); it cannot do TLS, so
              // the TLS tests connect through TEST_TLS_NETWORK, a network that trusts the test certificate.
              outboundService: "receiver",
              serviceBindings: {
                MAILBOX: { external: { address: `127.0.0.1:${inject("mailSinks").mailbox}`, http: {} } },
                TEST_TLS_NETWORK: {
                  network: {
                    allow: ["private", "local"],
                    tlsOptions: { trustedCertificates: [inject("mailSinks").certificate] },
                  },
                },
                // The same network trusting only public CAs, as production does: the test certificate fails there.
                TEST_PUBLIC_CA_NETWORK: {
                  network: { allow: ["private", "local"], tlsOptions: { trustBrowserCas: true } },
                },
              },
              // Cloudflare Email Service's binding as workerd emulates it locally (it records, sends nothing),
              // restricted to the platform's sender as a production binding would be: tests bind it as EMAIL.
              email: {
                send_email: [{ name: "TEST_EMAIL_SERVICE", allowed_sender_addresses: ["notifications@mail.test"] }],
              },
              workers: [RECEIVER, CLOUDFLARE_STAND_IN],
            },
          })),
        ],
        test: {
          name: "worker",
          include: ["test/worker/**/*.test.ts"],
          globalSetup: ["test/fixtures/mail-sinks.ts"],
          setupFiles: ["test/worker/support/apply-migrations.ts"],
          // The machines are shared: a file's first test (migrations, an isolate's start) can take
          // several seconds when every core is busy. Timings are the bench's business, not the tests'.
          testTimeout: 20_000,
        },
      },
      {
        // Node side: the import graph of the Workers, as wrangler bundles them (docs/architecture.md).
        test: { name: "architecture", include: ["test/architecture/**/*.test.ts"], testTimeout: 60_000 },
      },
      {
        // Node side: `npm run deploy` (scripts/deploy.ts) without a Cloudflare account.
        test: { name: "scripts", include: ["test/scripts/**/*.test.ts"], testTimeout: 120_000 },
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
