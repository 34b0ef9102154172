import type { D1Migration } from "@cloudflare/vitest-plugin";
import type { Env as WorkerEnv } from "../../worker/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_CATALOG_MIGRATIONS: D1Migration[];
      TEST_TENANT_MIGRATIONS: D1Migration[];
      /** JSON: the SMTP sinks' ports and accounts (test/fixtures/mail-sinks.ts; read through support/mailbox.ts). */
      TEST_MAIL_SINKS: string;
      /** What the SMTP sinks received (test/worker/support/mailbox.ts). */
      MAILBOX: Fetcher;
      /** A network that trusts the test certificate, for connecting with TLS (the receiver Worker cannot). */
      TEST_TLS_NETWORK: Fetcher;
      /** The same, trusting public CAs only (as production): the test certificate is refused. */
      TEST_PUBLIC_CA_NETWORK: Fetcher;
      /** Email Service's send_email binding, locally emulated, allowing notifications@mail.test only (bound as EMAIL by tests). */
      TEST_EMAIL_SERVICE: SendEmail;
      /** A rate-limit binding of 5 per minute (vitest.config.ts), in place of a limiter of wrangler.toml. */
      TEST_SMALL_LIMITER: RateLimit;
    }
  }
}
