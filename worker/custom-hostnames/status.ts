import type { CloudflareHostname } from "./cloudflare";
import { parse, type HostnameRow } from "./queries";

/**
 * What Cloudflare's statuses mean for a partner's domain. A custom hostname has two: `status`,
 * the hostname's own validation (pending → active; moved after the validation backoff schedule,
 * deleted a week later; blocked), and `ssl.status`, its certificate (initializing →
 * pending_validation → pending_issuance → pending_deployment → active, or `*_timed_out`).
 * The domain serves traffic only when both are active.
 */

export const HOSTNAME_STATES = ["creating", "pending", "active", "failed", "deleting"] as const;
export type HostnameState = (typeof HOSTNAME_STATES)[number];

/** `active_redeploying`: "active and the changes have been processed" (hostname-validation/validation-status). */
const LIVE_STATUSES = new Set(["active", "active_redeploying"]);
/** Cloudflare stopped trying: the partner has to fix DNS and check again. */
const FAILED_STATUSES = new Set(["moved", "deleted", "pending_deletion", "blocked", "test_failed"]);
const FAILED_SSL = new Set([
  "initializing_timed_out",
  "validation_timed_out",
  "issuance_timed_out",
  "deployment_timed_out",
  "deletion_timed_out",
  "expired",
  "deleted",
]);

export interface DnsRecord {
  type: "TXT" | "HTTP";
  name: string;
  value: string;
}

/** Cloudflare's answer (or the lack of one) as we keep it. Null fields keep what was known. */
export interface HostnameReading {
  cloudflareId: string | null;
  state: HostnameState;
  status: string | null;
  sslStatus: string | null;
  records: DnsRecord[] | null;
  errors: string[];
}

export function readHostname(h: CloudflareHostname): HostnameReading {
  const status = h.status ?? "pending";
  const sslStatus = h.ssl?.status ?? "initializing";
  const records: DnsRecord[] = [];
  const own = h.ownership_verification;
  if (own?.name && own.value) records.push({ type: "TXT", name: own.name, value: own.value });
  for (const r of h.ssl?.validation_records ?? []) {
    if (r.txt_name && r.txt_value) records.push({ type: "TXT", name: r.txt_name, value: r.txt_value });
    else if (r.http_url && r.http_body) records.push({ type: "HTTP", name: r.http_url, value: r.http_body });
  }
  const errors = [
    ...(h.verification_errors ?? []).map(String),
    ...(h.ssl?.validation_errors ?? []).flatMap((e) => (e.message ? [e.message] : [])),
  ];
  const state: HostnameState =
    LIVE_STATUSES.has(status) && sslStatus === "active"
      ? "active"
      : FAILED_STATUSES.has(status) || FAILED_SSL.has(sslStatus)
        ? "failed"
        : "pending";
  return { cloudflareId: h.id, state, status, sslStatus, records, errors };
}

/** The `customHostname` of the verification object. */
export function customHostnameView(row: HostnameRow) {
  return {
    id: row.cloudflare_id,
    state: row.state,
    status: row.status,
    sslStatus: row.ssl_status,
    validationRecords: parse<DnsRecord>(row.validation_records),
    errors: parse<string>(row.errors),
    checkedAt: row.checked_at,
  };
}

/** The records the partner publishes in DNS: Cloudflare's TXT records (HTTP tokens Cloudflare serves itself). */
export const dnsRecordsOf = (row: HostnameRow) =>
  parse<DnsRecord>(row.validation_records).filter((r): r is DnsRecord & { type: "TXT" } => r.type === "TXT");

/** TLS is ready for a domain: Cloudflare reports it active, or TLS is not ours to provision (no zone configured). */
export const tlsReady = (provisioning: boolean, state: HostnameState | null) => !provisioning || state === "active";
