import { z } from "zod";
import type { Env } from "./env";
import { CORE_SETTINGS, SettingProblem } from "./core-config";
import { SECRET_RULE, signingKeyOf } from "./lib/webhook-secrets";

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
    /** Secret: base64 of 32 random bytes, the AES-GCM key webhook secrets are stored under. */
    WEBHOOK_SECRET_KEY: core(CORE_SETTINGS.WEBHOOK_SECRET_KEY),
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
    operatorWebhook: env.OPERATOR_WEBHOOK_URL
      ? { url: env.OPERATOR_WEBHOOK_URL, secret: env.OPERATOR_WEBHOOK_SECRET ?? null }
      : null,
    shardAlarmPercent: env.SHARD_ALARM_PERCENT,
  }));

export type Config = z.output<typeof ConfigSchema>;

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
