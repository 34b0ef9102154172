import type { CloudflareConfig } from "../config";

/**
 * The few calls of Cloudflare's custom-hostnames API we make (Cloudflare for SaaS), with the
 * zone's API token. Every answer is Cloudflare's envelope `{ success, errors: [{ code, message }],
 * result }`; a failure becomes a `CloudflareError` carrying its HTTP status and error codes.
 */

const TIMEOUT_MS = 10_000;

/** Error codes of the custom-hostnames API we act on (docs: reference/status-codes/custom-hostnames). */
export const CLOUDFLARE_CODES = {
  quotaExceeded: 1405,
  duplicate: 1406,
  noMetadataAccess: 1413,
  notFound: 1436,
} as const;

export interface CloudflareHostname {
  id: string;
  hostname: string;
  status?: string;
  ssl?: {
    status?: string;
    method?: string;
    validation_records?: { txt_name?: string; txt_value?: string; http_url?: string; http_body?: string }[];
    validation_errors?: { message?: string }[];
  };
  ownership_verification?: { type?: string; name?: string; value?: string };
  verification_errors?: unknown[];
  custom_metadata?: Record<string, unknown>;
  created_at?: string;
}

export class CloudflareError extends Error {
  constructor(
    readonly status: number,
    readonly codes: number[],
    message: string,
  ) {
    super(message);
  }
  has(code: number) {
    return this.codes.includes(code);
  }
  /** Cloudflare refused the request as it is (a bad host name, say): sending it again changes nothing. */
  get permanent() {
    return this.status === 400;
  }
}

interface Envelope<T> {
  success?: boolean;
  errors?: { code?: number; message?: string }[];
  result?: T;
}

async function call<T>(cf: CloudflareConfig, method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${cf.apiBase}/zones/${cf.zoneId}/custom_hostnames${path}`, {
      method,
      headers: {
        authorization: `Bearer ${cf.apiToken}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new CloudflareError(0, [], `Cloudflare's API did not answer: ${(error as Error).message}`);
  }
  let envelope: Envelope<T>;
  try {
    envelope = await response.json();
  } catch {
    throw new CloudflareError(response.status, [], `Cloudflare's API answered ${response.status} without JSON`);
  }
  if (!response.ok || envelope.success === false || envelope.result === undefined) {
    const errors = envelope.errors ?? [];
    const text = errors.map((e) => `${e.message ?? "error"} (${e.code ?? "?"})`).join("; ");
    throw new CloudflareError(
      response.status,
      errors.flatMap((e) => (typeof e.code === "number" ? [e.code] : [])),
      `Cloudflare's API answered ${response.status}${text ? `: ${text}` : ""}`,
    );
  }
  return envelope.result;
}

const sslSettings = (cf: CloudflareConfig) => ({
  method: cf.dcvMethod,
  type: "dv",
  settings: { min_tls_version: "1.2" },
});

/**
 * Creates the custom hostname with a DV certificate. `custom_metadata` (the partner) needs an
 * entitlement most plans lack: refused for it (1413), the hostname is created without.
 */
export async function createHostname(cf: CloudflareConfig, hostname: string, partnerId: string) {
  const body = { hostname, ssl: sslSettings(cf), custom_metadata: { partner_id: partnerId } };
  try {
    return await call<CloudflareHostname>(cf, "POST", "", body);
  } catch (error) {
    if (!(error instanceof CloudflareError && error.has(CLOUDFLARE_CODES.noMetadataAccess))) throw error;
    const { custom_metadata: _, ...plain } = body;
    return call<CloudflareHostname>(cf, "POST", "", plain);
  }
}

/** The hostname by Cloudflare's id, or null when Cloudflare has none (deleted). */
export async function getHostname(cf: CloudflareConfig, id: string): Promise<CloudflareHostname | null> {
  try {
    return await call<CloudflareHostname>(cf, "GET", `/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof CloudflareError && (error.status === 404 || error.has(CLOUDFLARE_CODES.notFound))) return null;
    throw error;
  }
}

/** The zone's custom hostname with this name, if any (after a "duplicate" answer: one we created before). */
export async function findHostname(cf: CloudflareConfig, hostname: string): Promise<CloudflareHostname | null> {
  const found = await call<CloudflareHostname[]>(cf, "GET", `?hostname=${encodeURIComponent(hostname)}`);
  return found.find((h) => h.hostname === hostname) ?? null;
}

/** Starts validation again (a PATCH with the same `ssl`): a moved hostname goes back to pending. */
export const restartValidation = (cf: CloudflareConfig, id: string) =>
  call<CloudflareHostname>(cf, "PATCH", `/${encodeURIComponent(id)}`, { ssl: sslSettings(cf) });

/** Deletes the hostname and its certificate; one Cloudflare no longer has counts as deleted. */
export async function deleteHostname(cf: CloudflareConfig, id: string): Promise<void> {
  try {
    await call<unknown>(cf, "DELETE", `/${encodeURIComponent(id)}`);
  } catch (error) {
    if (error instanceof CloudflareError && (error.status === 404 || error.has(CLOUDFLARE_CODES.notFound))) return;
    throw error;
  }
}
