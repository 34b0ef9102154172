import type { CreditCounter } from "./credits/counter";
import type { RateLimiter } from "./rate-limit/limiter";
import type { HitMessage } from "./collect/message";
import type { JobMessage } from "./jobs/message";
import type { WebhookMessage } from "./webhooks/message";

/** Bindings and configuration of the Worker (see wrangler.toml and .dev.vars.example). */
export interface Env {
  DB: D1Database;
  /** Pixel key → PixelRecord, read on every hit. */
  PIXELS: KVNamespace;
  /** One credit counter per organization. */
  CREDITS: DurableObjectNamespace<CreditCounter>;
  /** One request counter per partner account (worker/rate-limit/). */
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  /** Partner requests per minute (default 1000, the contract's limit). */
  PARTNER_RATE_LIMIT?: string;
  /** Accepted hits, identified and charged by the consumer. */
  HITS: Queue<HitMessage>;
  /** Background jobs (ICP rescoring), consumed by the same Worker. */
  JOBS: Queue<JobMessage>;
  /** Webhook deliveries, one message per attempt (see worker/webhooks/). */
  WEBHOOKS: Queue<WebhookMessage>;
  /** Secret for the operator API (`X-Admin-API-Key`). */
  ADMIN_API_KEY: string;
  /** Base URL for script tags; empty means the origin the API was called on. */
  SCRIPT_BASE_URL?: string;
  /** Global name of the command queue when the partner has not set one. */
  DEFAULT_GLOBAL_NAME?: string;
  /** Host a partner's custom script domain must CNAME to; empty means the host of SCRIPT_BASE_URL (or of the API). */
  SCRIPT_CNAME_TARGET?: string;
  /** DNS-over-HTTPS JSON resolver used to verify custom domains; empty means Cloudflare's. */
  DOH_URL?: string;
  /** Origin of the client dashboards and partner consoles on the platform host (served under /app); empty means the origin the API was called on. A partner's verified custom domain takes precedence. */
  DASHBOARD_BASE_URL?: string;
  /** "on" serves the demo site under /demo (local development only). */
  DEMO_PAGES?: string;
  /** Optional licensed identification provider (see worker/identify/http-provider.ts). */
  IDENTIFY_PROVIDER_URL?: string;
  IDENTIFY_PROVIDER_TOKEN?: string;
  /** Webhook attempt timeout in ms (default 30000; tests shorten it). */
  WEBHOOK_TIMEOUT_MS?: string;
  /** An endpoint is disabled after this many consecutive failed attempts (default 20) … */
  WEBHOOK_DISABLE_AFTER_FAILURES?: string;
  /** … spanning at least this many hours (default 24). */
  WEBHOOK_DISABLE_AFTER_HOURS?: string;
  /** "on" also allows http:// webhook URLs on hosts ending in `.test` (local development); localhost is always allowed. */
  ALLOW_INSECURE_WEBHOOKS?: string;
}

/** Hono environment type shared by every route. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    partnerId: string;
    apiKeyId: string;
    scopes: string[];
  };
}
