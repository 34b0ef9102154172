import { configOf } from "../config";
import type { Env } from "../env";
import { ApiError, notFound } from "../lib/errors";
import { isoSeconds } from "../lib/time";
import type { HostnameRow } from "../custom-hostnames/queries";
import { customHostnameView, dnsRecordsOf, tlsReady, type HostnameState } from "../custom-hostnames/status";
import { normalizeHost } from "./dns";
import { loadPartner, type PartnerRow } from "./partner";

/**
 * A partner's custom domain: the claim, its verification by DNS, and what the domain serves once
 * live (the script, and the partner's dashboards at its root). Every decision about which host
 * belongs to whom is made here: a partner's domain serves that partner only, and the APIs and
 * `/app` answer on the platform's hosts only (security audit N1).
 */

/** Columns added by migrations 0004 and 0011. */
export interface DomainColumns {
  domain_verification_token: string | null;
  script_domain_verified_at: string | null;
  script_domain_claimed_at: string | null;
}

/** An unverified claim lapses this long after it was made; the cron then clears it. */
export const CLAIM_TTL_MS = 7 * 24 * 3600_000;

const claimExpiresAt = (claimedAt: string | null) =>
  claimedAt === null ? null : isoSeconds(Date.parse(claimedAt) + CLAIM_TTL_MS);

/** True for an unverified claim past its time. */
export const claimLapsed = (partner: DomainColumns & { script_domain_verified: number }, now = Date.now()) =>
  partner.script_domain_verified !== 1 &&
  partner.script_domain_claimed_at !== null &&
  Date.parse(partner.script_domain_claimed_at) + CLAIM_TTL_MS <= now;

/** Where the TXT record goes: beside, not on, the domain, since a name with a CNAME can hold no other record. */
export const txtRecordName = (domain: string) => `_verify.${domain}`;

/** What the domain must CNAME to: configured, else the script host, else the host the API was called on. */
export function cnameTarget(env: Env, requestUrl: string): string {
  const { scriptCnameTarget, scriptBaseUrl } = configOf(env);
  if (scriptCnameTarget) return normalizeHost(scriptCnameTarget);
  return new URL(scriptBaseUrl ?? requestUrl).hostname;
}

/** Host names a partner may not claim: the platform's own (CNAME target, configured hosts, the API's host) and below. */
export function isPlatformDomain(env: Env, requestUrl: string, domain: string): boolean {
  const own = [cnameTarget(env, requestUrl), new URL(requestUrl).hostname, ...configOf(env).platformHosts];
  return own.map((host) => host.replace(/:\d+$/, "")).some((host) => domain === host || domain.endsWith(`.${host}`));
}

export type PartnerWithDomain = PartnerRow & DomainColumns;

/** The partner with its domain set, or 404 when none is (or its unverified claim lapsed). */
export async function partnerWithDomain(db: D1Database, partnerId: string) {
  const partner = (await loadPartner(db, partnerId)) as PartnerWithDomain;
  if (!partner.script_domain || !partner.domain_verification_token || claimLapsed(partner)) {
    throw notFound("Script domain");
  }
  return partner as PartnerWithDomain & { script_domain: string; domain_verification_token: string };
}

export const verificationRecord = (token: string) => `domain-verification=${token}`;

/** The domain's TLS: not ours to provision (no zone configured), or its custom hostname's state. */
export type TlsState = "not_provisioned" | Exclude<HostnameState, "deleting">;

const tlsOf = (env: Env, row: HostnameRow | null): TlsState =>
  !configOf(env).cloudflare ? "not_provisioned" : row && row.state !== "deleting" ? row.state : "creating";

/** The verification object: what is set, what DNS must say, what Cloudflare says, and whether the domain is live. */
export function verificationState(
  env: Env,
  requestUrl: string,
  partner: {
    script_domain: string;
    domain_verification_token: string;
    script_domain_verified: number;
    script_domain_verified_at: string | null;
    script_domain_claimed_at: string | null;
  },
  hostname: HostnameRow | null,
) {
  const domain = partner.script_domain;
  const target = cnameTarget(env, requestUrl);
  const record = verificationRecord(partner.domain_verification_token);
  const verified = partner.script_domain_verified === 1;
  const tls = tlsOf(env, hostname);
  const active = verified && tlsReady(tls !== "not_provisioned", hostname?.state ?? null);
  const cloudflareRecords = hostname ? dnsRecordsOf(hostname) : [];
  const extra = cloudflareRecords.map((r) => `a TXT record named ${r.name} with the value ${r.value}`);
  return {
    domain,
    verified,
    verifiedAt: partner.script_domain_verified_at,
    claimExpiresAt: verified ? null : claimExpiresAt(partner.script_domain_claimed_at),
    verificationRecord: record,
    cnameTarget: target,
    dnsRecords: [
      { type: "CNAME" as const, name: domain, value: target },
      { type: "TXT" as const, name: txtRecordName(domain), value: record },
      ...cloudflareRecords,
    ],
    active,
    tls,
    customHostname: hostname && tls !== "not_provisioned" ? customHostnameView(hostname) : null,
    instructions:
      `At your DNS provider, add a CNAME record for ${domain} pointing to ${target}, and a TXT record ` +
      `named ${txtRecordName(domain)} with the value ${record}` +
      (extra.length > 0 ? `, and ${extra.join(", and ")}` : "") +
      `. Then call POST /api/v1/partner/domain/verify; DNS changes can take a few minutes (up to the records' TTL) to become visible. ` +
      (tls === "not_provisioned"
        ? `TLS for ${domain} is not provisioned by the platform: the operator must add it to the platform's zone. `
        : `The platform then has a TLS certificate issued for ${domain} (Cloudflare validates it once the CNAME is in place). `) +
      `Once the domain is verified and its certificate active, every script tag and dashboard link uses https://${domain}.`,
  };
}

/** Clears unverified claims past their time (the cron): the domain is free for whoever proves it. */
export async function releaseLapsedClaims(db: D1Database, now = Date.now()): Promise<void> {
  await db
    .prepare(
      `UPDATE partners SET script_domain = NULL, domain_verification_token = NULL, script_domain_claimed_at = NULL
       WHERE script_domain_verified = 0 AND script_domain_claimed_at <= ?`,
    )
    .bind(isoSeconds(now - CLAIM_TTL_MS))
    .run();
}

export const domainTaken = (domain: string, cause?: unknown) =>
  new ApiError("Conflict", "This domain is already verified by another account", { domain }, { cause });

/** The columns that decide whether a partner's domain is live (`PartnerRow` has them). */
export interface PartnerDomain {
  script_domain: string | null;
  script_domain_verified: number;
  custom_hostname_state: HostnameState | null;
}

/**
 * The partner's domain when it is live: verified by DNS and, when the platform provisions TLS,
 * its custom hostname and certificate active. Until then, script tags and links stay on the platform host.
 */
export function liveDomain(env: Env, partner: PartnerDomain): string | null {
  if (!partner.script_domain || partner.script_domain_verified !== 1) return null;
  return tlsReady(configOf(env).cloudflare !== null, partner.custom_hostname_state) ? partner.script_domain : null;
}

/** Where dashboards live on the platform's own host. */
export const PLATFORM_BASE = "/app";

/** Where a partner's dashboard and console are served: an origin and a path prefix. */
export interface DashboardPlace {
  origin: string;
  /** "" on the partner's own domain, `/app` on the platform host. */
  base: string;
}

/**
 * The partner's live custom domain, at its root; otherwise `/app` on the platform host
 * (`DASHBOARD_BASE_URL`, else the origin the API was called on, which is a platform host: the
 * API answers nowhere else).
 */
export function dashboardPlace(env: Env, partner: PartnerDomain, requestUrl: string): DashboardPlace {
  const domain = liveDomain(env, partner);
  if (domain) return { origin: `https://${domain}`, base: "" };
  const origin = new URL(configOf(env).dashboardBaseUrl ?? requestUrl).origin;
  return { origin, base: PLATFORM_BASE };
}

/** The dashboard place of a partner, read from the catalog. */
export async function partnerDashboardPlace(env: Env, partnerId: string, requestUrl: string) {
  return dashboardPlace(env, await loadPartner(env.CATALOG, partnerId), requestUrl);
}

type HostClaims = (PartnerDomain & { id: string; status: string })[];

/**
 * Who claims a host, remembered by this isolate for 30 s: requests to a partner's domain (signed
 * out, or made up) cost no catalog read each. A change made in this isolate forgets the host at
 * once (`forgetHost`); other isolates see it within the 30 s.
 */
const HOST_TTL_MS = 30_000;
const HOSTS_REMEMBERED = 1_000;
const hostClaims = new Map<string, { claims: HostClaims; until: number }>();

export const forgetHost = (hostname: string) => hostClaims.delete(hostname.toLowerCase());

async function domainClaims(db: D1Database, hostname: string): Promise<HostClaims> {
  const host = hostname.toLowerCase();
  const now = Date.now();
  const known = hostClaims.get(host);
  if (known && known.until > now) return known.claims;
  const { results } = await db
    .prepare(
      `SELECT p.id, p.status, p.script_domain, p.script_domain_verified, h.state AS custom_hostname_state
       FROM partners p LEFT JOIN custom_hostnames h ON h.hostname = p.script_domain WHERE p.script_domain = ?`,
    )
    .bind(host)
    .all<HostClaims[number]>();
  if (hostClaims.size >= HOSTS_REMEMBERED) hostClaims.clear();
  hostClaims.set(host, { claims: results, until: now + HOST_TTL_MS });
  return results;
}

/** The active partner whose live custom domain this host is, if any: it serves that partner's dashboards. */
export async function partnerOfHost(env: Env, hostname: string): Promise<string | null> {
  const claims = await domainClaims(env.CATALOG, hostname);
  return claims.find((p) => p.status === "active" && liveDomain(env, p) !== null)?.id ?? null;
}

/**
 * Whether this request's host is one of the platform's, where the APIs, `/app` and `/demo`
 * answer. With `DASHBOARD_BASE_URL` or `SCRIPT_BASE_URL` configured, exactly their hosts; without
 * (local development), any host that no partner claims as its domain.
 */
export async function onPlatformHost(env: Env, requestUrl: string): Promise<boolean> {
  const { host, hostname } = new URL(requestUrl);
  const { platformHosts } = configOf(env);
  if (platformHosts.length > 0) return platformHosts.includes(host);
  return (await domainClaims(env.CATALOG, hostname)).length === 0;
}
