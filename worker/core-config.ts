import type { Env } from "./env";
import { globalNameProblem } from "../shared/global-name";

/**
 * The settings the pixel path and the Durable Objects read, parsed without zod: their cold start
 * pays for every module they import (docs/architecture.md#cold-start). worker/config.ts takes these
 * rules into the full configuration, so each setting has one rule and the same error.
 */

/** 1,000 partner API requests per minute per partner account (docs/partner-api.md#rate-limit). */
export const DEFAULT_PARTNER_RATE_LIMIT = 1_000;

/** What is wrong with a setting's value, as the configuration error names it. */
export class SettingProblem {
  constructor(readonly message: string) {}
}

/** wrangler.toml documents optional settings with an empty value: empty means unset. */
const isUnset = (value: unknown) => value === undefined || value === "";

/** Each setting from its text in the env (vars and secrets) to its value, or a problem. */
export const CORE_SETTINGS = {
  /** Global name of the pixel's command queue when the partner has not set one. */
  DEFAULT_GLOBAL_NAME(value: unknown): string | SettingProblem {
    if (isUnset(value)) return "_wq";
    if (typeof value !== "string") return new SettingProblem("must be a string");
    const problem = globalNameProblem(value);
    return problem === null ? value : new SettingProblem(problem);
  },
  /** Partner API requests per partner account per minute. */
  PARTNER_RATE_LIMIT(value: unknown): number | SettingProblem {
    if (isUnset(value)) return DEFAULT_PARTNER_RATE_LIMIT;
    const limit = Number(value);
    return Number.isSafeInteger(limit) && limit > 0 ? limit : new SettingProblem("must be a whole number above 0");
  },
  /** Secret: base64 of 32 random bytes, the AES-GCM key webhook secrets are stored under; null when unset. */
  WEBHOOK_SECRET_KEY(value: unknown): string | null | SettingProblem {
    if (isUnset(value)) return null;
    const valid = typeof value === "string" && /^[A-Za-z0-9+/]{43}=$/.test(value) && atob(value).length === 32;
    return valid ? value : new SettingProblem("must be base64 of 32 bytes (openssl rand -base64 32)");
  },
};

export interface CoreConfig {
  defaultGlobalName: string;
  partnerRateLimit: number;
  webhookSecretKey: string | null;
}

const parsed = new WeakMap<Env, CoreConfig>();

function setting<K extends keyof typeof CORE_SETTINGS>(
  env: Env,
  name: K,
): Exclude<ReturnType<(typeof CORE_SETTINGS)[K]>, SettingProblem> {
  const value = CORE_SETTINGS[name]((env as unknown as Record<string, unknown>)[name]);
  if (value instanceof SettingProblem)
    throw new Error(`Invalid Worker configuration:\n✖ ${value.message}\n  → at ${name}`);
  return value as Exclude<ReturnType<(typeof CORE_SETTINGS)[K]>, SettingProblem>;
}

/** The core settings of this env, parsed on first use; a setting that does not parse fails loudly, naming it. */
export function coreConfigOf(env: Env): CoreConfig {
  let config = parsed.get(env);
  if (!config) {
    config = {
      defaultGlobalName: setting(env, "DEFAULT_GLOBAL_NAME"),
      partnerRateLimit: setting(env, "PARTNER_RATE_LIMIT"),
      webhookSecretKey: setting(env, "WEBHOOK_SECRET_KEY"),
    };
    parsed.set(env, config);
  }
  return config;
}
