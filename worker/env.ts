import type { JobMessage } from "./jobs/message";
import type { WebhookMessage } from "./webhooks/message";
import type { TenantEnv } from "./shards";

/**
 * Bindings and configuration of the Worker: generated from wrangler.toml and .dev.vars.example
 * (worker/env.generated.d.ts, `npm run cf-typegen`); only the queues' message types are added here,
 * and the optional settings that wrangler.toml leaves out (read through worker/config.ts). Accepted hits go
 * to HITS_1 … HITS_N, chosen by pixel key (worker/collect/hit-queues.ts).
 */
export interface Env extends Omit<GeneratedEnv, "DEMO_PAGES" | "ALLOW_INSECURE_WEBHOOKS"> {
  /** Background jobs (ICP rescoring), consumed by the same Worker. */
  JOBS: Queue<JobMessage>;
  /** Webhook deliveries, one message per attempt (see worker/webhooks/). */
  WEBHOOKS: Queue<WebhookMessage>;
  DASHBOARD_BASE_URL?: string;
  DEFAULT_GLOBAL_NAME?: string;
  DEMO_PAGES?: string;
  PARTNER_RATE_LIMIT?: string;
  IDENTIFY_PROVIDER_URL?: string;
  IDENTIFY_PROVIDER_TOKEN?: string;
  WEBHOOK_TIMEOUT_MS?: string;
  WEBHOOK_DISABLE_AFTER_FAILURES?: string;
  WEBHOOK_DISABLE_AFTER_HOURS?: string;
  ALLOW_INSECURE_WEBHOOKS?: string;
  OPERATOR_WEBHOOK_URL?: string;
  OPERATOR_WEBHOOK_SECRET?: string;
  SHARD_ALARM_PERCENT?: string;
}

/** Hono environment type shared by every route. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    partnerId: string;
    /** The partner's shard (set with partnerId): where every query for its tenant data goes. */
    tenant: TenantEnv;
    apiKeyId: string;
    scopes: string[];
  };
}
