import { configOf } from "../config";
import type { Env } from "../env";
import { ApiError, notFound } from "../http/errors";
import { isoSeconds } from "../lib/time";
import { normalizeHost } from "./dns";
import { loadPartner, type PartnerRow } from "./partner";

/**
 * A partner's custom domain: the claim, its verification by DNS, and what the domain serves once
 * verified (the script and the partner's dashboards at its root). Every decision about which host
 * belongs to whom is made here.
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
) {
  const domain = partner.script_domain;
  const target = cnameTarget(env, requestUrl);
  const record = verificationRecord(partner.domain_verification_token);
  return {
    domain,
    verified: partner.script_domain_verified === 1,
    verifiedAt: partner.script_domain_verified_at,
    claimExpiresAt: partner.script_domain_verified === 1 ? null : claimExpiresAt(partner.script_domain_claimed_at),
    verificationRecord: record,
    cnameTarget: target,
    dnsRecords: [
      { type: "CNAME" as const, name: domain, value: target },
      { type: "TXT" as const, name: txtRecordName(domain), value: record },
    ],
    instructions:
      `At your DNS provider, add a CNAME record for ${domain} pointing to ${target}, and a TXT record ` +
      `named ${txtRecordName(domain)} with the value ${record}. Then call POST /api/v1/partner/domain/verify; ` +
      `DNS changes can take a few minutes (up to the records' TTL) to become visible. Once verified, every script tag uses https://${domain}.`,
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

/** Where dashboards live on the platform's own host. */
export const PLATFORM_BASE = "/app";

/** Where a partner's dashboard and console are served: an origin and a path prefix. */
export interface DashboardPlace {
  origin: string;
  /** "" on the partner's own domain, `/app` on the platform host. */
  base: string;
}

export interface PartnerDomain {
  script_domain: string | null;
  script_domain_verified: number;
}

/**
 * The partner's verified custom domain, at its root; otherwise `/app` on the platform host
 * (`DASHBOARD_BASE_URL`, else the origin the API was called on).
 */
export function dashboardPlace(env: Env, partner: PartnerDomain, requestUrl: string): DashboardPlace {
  if (partner.script_domain && partner.script_domain_verified === 1) {
    return { origin: `https://${partner.script_domain}`, base: "" };
  }
  const origin = new URL(configOf(env).dashboardBaseUrl ?? requestUrl).origin;
  return { origin, base: PLATFORM_BASE };
}

/** The partner whose verified custom domain this host is, if any. */
export async function partnerOfHost(db: D1Database, hostname: string): Promise<string | null> {
  const row = await db
    .prepare("SELECT id FROM partners WHERE script_domain = ? AND script_domain_verified = 1 AND status = 'active'")
    .bind(hostname.toLowerCase())
    .first<{ id: string }>();
  return row?.id ?? null;
}
