import type { JobMessage } from "./jobs/message";
import type { WebhookMessage } from "./webhooks/message";
import type { NotificationMessage } from "./alerts/message";
import type { TenantEnv } from "./shards";

/**
 * Bindings and configuration of the Worker: generated from wrangler.toml and .dev.vars.example
 * (worker/env.generated.d.ts, `npm run cf-typegen`); only the queues' message types are added here,
 * and the optional settings that wrangler.toml leaves out (read through worker/config.ts). Accepted hits go
 * to HITS_1 … HITS_N, chosen by pixel key (worker/collect/hit-queues.ts).
 */
export interface Env extends Omit<
  GeneratedEnv,
  "DEMO_PAGES" | "ALLOW_INSECURE_WEBHOOKS" | "MAIL_FROM" | "MAIL_SMTP_URL" | "ALLOW_LOCAL_SMTP"
> {
  /** Background jobs (ICP rescoring), consumed by the same Worker. */
  JOBS: Queue<JobMessage>;
  /** Webhook deliveries, one message per attempt (see worker/webhooks/). */
  WEBHOOKS: Queue<WebhookMessage>;
  /** Alert messages, one per alert and channel (see worker/alerts/). */
  NOTIFICATIONS: Queue<NotificationMessage>;
  DEFAULT_GLOBAL_NAME?: string;
  DEMO_PAGES?: string;
  PARTNER_RATE_LIMIT?: string;
  IDENTIFY_PROVIDER_URL?: string;
  IDENTIFY_PROVIDER_TOKEN?: string;
  WEBHOOK_TIMEOUT_MS?: string;
  WEBHOOK_DISABLE_AFTER_FAILURES?: string;
  WEBHOOK_DISABLE_AFTER_HOURS?: string;
  ALLOW_INSECURE_WEBHOOKS?: string;
  CLOUDFLARE_API_TOKEN?: string;
  CLOUDFLARE_API_BASE?: string;
  CLOUDFLARE_DCV_METHOD?: string;
  CLOUDFLARE_NOTIFICATION_SECRET?: string;
  OPERATOR_WEBHOOK_URL?: string;
  OPERATOR_WEBHOOK_SECRET?: string;
  SHARD_ALARM_PERCENT?: string;
  /** Optional Cloudflare Email Service binding (`[[send_email]]` in wrangler.toml): sends the platform's own mail. */
  EMAIL?: SendEmail;
  MAIL_FROM?: string;
  MAIL_SMTP_URL?: string;
  MAIL_TIMEOUT_MS?: string;
  ALLOW_LOCAL_SMTP?: string;
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
