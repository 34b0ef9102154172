import type { CreditCounter } from "./credits/counter";
import type { HitMessage } from "./collect/message";

/** Bindings and configuration of the Worker (see wrangler.toml and .dev.vars.example). */
export interface Env {
  DB: D1Database;
  /** Pixel key → PixelRecord, read on every hit. */
  PIXELS: KVNamespace;
  /** One credit counter per organization. */
  CREDITS: DurableObjectNamespace<CreditCounter>;
  /** Accepted hits, identified and charged by the consumer. */
  HITS: Queue<HitMessage>;
  /** Secret for the operator API (`X-Admin-API-Key`). */
  ADMIN_API_KEY: string;
  /** Base URL for script tags; empty means the origin the API was called on. */
  SCRIPT_BASE_URL?: string;
  /** Global name of the command queue when the partner has not set one. */
  DEFAULT_GLOBAL_NAME?: string;
  /** "on" serves the demo site under /demo (local development only). */
  DEMO_PAGES?: string;
  /** Optional licensed identification provider (see worker/identify/http-provider.ts). */
  IDENTIFY_PROVIDER_URL?: string;
  IDENTIFY_PROVIDER_TOKEN?: string;
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
