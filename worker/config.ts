import { z } from "zod";
import type { Env } from "./env";
import { CORE_SETTINGS, SettingProblem } from "./core-config";
import { SECRET_RULE, signingKeyOf } from "./lib/webhook-secrets";
import { SMTP_SECURITIES, type SmtpSecurity } from "../shared/email";
import { smtpTargetProblem, type SmtpServer } from "./outbound/targets";

export { DEFAULT_PARTNER_RATE_LIMIT } from "./core-config";

/** wrangler.toml documents optional settings with an empty value: empty means unset. */
const unset = (value: unknown) => (value === "" ? undefined : value);
const text = z.preprocess(unset, z.string().optional());
const httpUrl = z.url({ protocol: /^https?$/ });
const url = z.preprocess(unset, httpUrl.optional());
const flag = z.preprocess(unset, z.string().optional()).transform((value) => value === "on");
const number = (fallback: number, min: number) => z.preprocess(unset, z.coerce.number().min(min).default(fallback));
const whole = (fallback: number) => z.preprocess(unset, z.coerce.number().int().positive().default(fallback));
/** A setting the pixel path and the Durable Objects read too: its rule is core-config.ts's. */
const core = <T>(rule: (value: unknown) => T | SettingProblem) =>
  z.preprocess((value, ctx) => {
    const parsed = rule(value);
    if (!(parsed instanceof SettingProblem)) return parsed;
    ctx.addIssue({ code: "custom", message: parsed.message });
    return z.NEVER;
  }, z.custom<T>());

/**
 * `smtps://user:password@host:465` (implicit TLS) or `smtp://user:password@host:587` (STARTTLS);
 * `?security=none` for a plain connection (local development only). User and password are
 * percent-decoded, so any character can be written.
 */
const smtpUrl = z.preprocess(unset, z.string().optional()).transform((value, ctx): SmtpServer | null => {
  if (value === undefined) return null;
  const problem = (message: string) => (ctx.addIssue({ code: "custom", message }), z.NEVER);
  if (!URL.canParse(value)) return problem("must be a URL such as smtps://user:password@smtp.example.com:465");
  const url = new URL(value);
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") return problem("must start with smtp:// or smtps://");
  const security = url.searchParams.get("security") ?? (url.protocol === "smtps:" ? "tls" : "starttls");
  if (!(SMTP_SECURITIES as readonly string[]).includes(security)) {
    return problem(`security must be one of ${SMTP_SECURITIES.join(", ")}`);
  }
  return {
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : url.protocol === "smtps:" ? 465 : 587,
    security: security as SmtpSecurity,
    username: url.username ? decodeURIComponent(url.username) : null,
    password: url.password ? decodeURIComponent(url.password) : null,
  };
});

/** The Worker's settings (vars and secrets of Env), as strings in, typed and defaulted out. */
const ConfigSchema = z
  .object({
    /** Secret for the operator API (`X-Admin-API-Key`); unset, the operator API answers 401. */
    ADMIN_API_KEY: text,
    /** Base URL for script tags; unset means the origin the API was called on. */
    SCRIPT_BASE_URL: url,
    /** Global name of the pixel's command queue when the partner has not set one. */
    DEFAULT_GLOBAL_NAME: core(CORE_SETTINGS.DEFAULT_GLOBAL_NAME),
    /** Host a partner's custom script domain must CNAME to; unset means the host of SCRIPT_BASE_URL (or of the API). */
    SCRIPT_CNAME_TARGET: text,
    /** DNS-over-HTTPS JSON resolver that verifies custom script domains and checks where outbound hosts resolve. */
    DOH_URL: z.preprocess(unset, httpUrl.default("https://cloudflare-dns.com/dns-query")),
    /** Origin of the client dashboards and partner consoles on the platform host (under /app); unset means the origin the API was called on. */
    DASHBOARD_BASE_URL: url,
    /** "on" serves the demo site under /demo (local development only). */
    DEMO_PAGES: flag,
    /** Optional licensed identification provider (see worker/identify/http-provider.ts). */
    IDENTIFY_PROVIDER_URL: url,
    IDENTIFY_PROVIDER_TOKEN: text,
    /** Webhook attempt timeout in ms. */
    WEBHOOK_TIMEOUT_MS: whole(30_000),
    /** An endpoint is disabled after this many consecutive failed attempts … */
    WEBHOOK_DISABLE_AFTER_FAILURES: whole(20),
    /** … spanning at least this many hours. */
    WEBHOOK_DISABLE_AFTER_HOURS: number(24, 0),
    /** Partner API requests per partner account per minute. */
    PARTNER_RATE_LIMIT: core(CORE_SETTINGS.PARTNER_RATE_LIMIT),
    /** "on" (local development only) also allows http:// webhook URLs and loopback, private and link-local targets. */
    ALLOW_INSECURE_WEBHOOKS: flag,
    /** Cloudflare for SaaS: the zone partners' domains become custom hostnames of, and an API token for it (secret). */
    CLOUDFLARE_ZONE_ID: text,
    CLOUDFLARE_API_TOKEN: text,
    /** Cloudflare's API (tests point it at a loopback stand-in). */
    CLOUDFLARE_API_BASE: z.preprocess(unset, httpUrl.default("https://api.cloudflare.com/client/v4")),
    /** How Cloudflare validates the certificate of a custom hostname: `http` (the CNAME suffices) or `txt`. */
    CLOUDFLARE_DCV_METHOD: z.preprocess(unset, z.enum(["http", "txt"]).default("http")),
    /** Secret: what Cloudflare's notification webhook sends in `cf-webhook-auth`; unset, notifications are refused. */
    CLOUDFLARE_NOTIFICATION_SECRET: text,
    /** The operator's own webhook (docs/operations.md#database-size-alarm): `database.size` events go there. */
    OPERATOR_WEBHOOK_URL: url,
    /** Secret: signs the operator's webhook as partner webhooks are signed (a `whsec_` secret); unset, unsigned. */
    OPERATOR_WEBHOOK_SECRET: z.preprocess(
      unset,
      z
        .string()
        .optional()
        .refine((value) => value === undefined || signingKeyOf(value) !== null, SECRET_RULE),
    ),
    /** A database at or past this share of D1's 10 GB (percent) sets off the size alarm. */
    SHARD_ALARM_PERCENT: z.preprocess(unset, z.coerce.number().min(0).max(100).default(70)),
    /** Address the platform's mail comes from when a partner has no sender of its own (under the partner's name). */
    MAIL_FROM: z.preprocess(unset, z.email().optional()),
    /** Secret: the platform's SMTP relay, smtp(s)://user:password@host:port (see smtpUrl). */
    MAIL_SMTP_URL: smtpUrl,
    /** Each SMTP step (connecting, every reply) may take this long. */
    MAIL_TIMEOUT_MS: whole(15_000),
    /** "on" (local development only) allows SMTP servers on loopback and private hosts, port 25 and plain connections. */
    ALLOW_LOCAL_SMTP: flag,
    /** Secret: base64 of 32 random bytes, the AES-GCM key webhook secrets are stored under. */
    WEBHOOK_SECRET_KEY: core(CORE_SETTINGS.WEBHOOK_SECRET_KEY),
  })
  .superRefine((env, ctx) => {
    const relay = env.MAIL_SMTP_URL;
    const problem = relay && smtpTargetProblem(relay, env.ALLOW_LOCAL_SMTP);
    if (problem)
      ctx.addIssue({ code: "custom", path: ["MAIL_SMTP_URL"], message: `${problem.field} ${problem.message}` });
  })
  .transform((env) => ({
    adminApiKey: env.ADMIN_API_KEY ?? null,
    scriptBaseUrl: env.SCRIPT_BASE_URL ?? null,
    defaultGlobalName: env.DEFAULT_GLOBAL_NAME,
    scriptCnameTarget: env.SCRIPT_CNAME_TARGET ?? null,
    dashboardBaseUrl: env.DASHBOARD_BASE_URL ?? null,
    dohUrl: env.DOH_URL,
    demoPages: env.DEMO_PAGES,
    identifyProvider: env.IDENTIFY_PROVIDER_URL
      ? { url: env.IDENTIFY_PROVIDER_URL, token: env.IDENTIFY_PROVIDER_TOKEN }
      : null,
    webhookTimeoutMs: env.WEBHOOK_TIMEOUT_MS,
    webhookDisableAfterFailures: env.WEBHOOK_DISABLE_AFTER_FAILURES,
    webhookDisableAfterHours: env.WEBHOOK_DISABLE_AFTER_HOURS,
    partnerRateLimit: env.PARTNER_RATE_LIMIT,
    allowInsecureWebhooks: env.ALLOW_INSECURE_WEBHOOKS,
    webhookSecretKey: env.WEBHOOK_SECRET_KEY,
    /** Null without a zone and a token: domains are verified by DNS only, and TLS is the operator's job. */
    cloudflare:
      env.CLOUDFLARE_ZONE_ID && env.CLOUDFLARE_API_TOKEN
        ? {
            zoneId: env.CLOUDFLARE_ZONE_ID,
            apiToken: env.CLOUDFLARE_API_TOKEN,
            apiBase: env.CLOUDFLARE_API_BASE.replace(/\/$/, ""),
            dcvMethod: env.CLOUDFLARE_DCV_METHOD,
          }
        : null,
    cloudflareNotificationSecret: env.CLOUDFLARE_NOTIFICATION_SECRET ?? null,
    /** Hosts of the configured platform URLs: with any, the APIs and `/app` answer there only. */
    platformHosts: [env.DASHBOARD_BASE_URL, env.SCRIPT_BASE_URL].flatMap((url) => (url ? [new URL(url).host] : [])),
    operatorWebhook: env.OPERATOR_WEBHOOK_URL
      ? { url: env.OPERATOR_WEBHOOK_URL, secret: env.OPERATOR_WEBHOOK_SECRET ?? null }
      : null,
    shardAlarmPercent: env.SHARD_ALARM_PERCENT,
    mail: {
      from: env.MAIL_FROM ?? null,
      relay: env.MAIL_SMTP_URL,
      timeoutMs: env.MAIL_TIMEOUT_MS,
      allowLocalSmtp: env.ALLOW_LOCAL_SMTP,
    },
  }));

export type Config = z.output<typeof ConfigSchema>;
export type CloudflareConfig = NonNullable<Config["cloudflare"]>;

const parsed = new WeakMap<Env, Config>();

/** The settings of this env, parsed on first use; a setting that does not parse fails loudly, naming it. */
export function configOf(env: Env): Config {
  let config = parsed.get(env);
  if (!config) {
    const result = ConfigSchema.safeParse(env);
    if (!result.success) throw new Error(`Invalid Worker configuration:\n${z.prettifyError(result.error)}`);
    config = result.data;
    parsed.set(env, config);
  }
  return config;
}
