import { announceIfLive } from "../custom-hostnames/events";
import { claimHostname, HostnameRefused, releaseHostname } from "../custom-hostnames/lifecycle";
import { findHostnameRow } from "../custom-hostnames/queries";
import { configOf } from "../config";
import type { Env } from "../env";
import { ApiError, isUniqueViolation } from "../lib/errors";
import { randomHex } from "../lib/ids";
import { isoSeconds } from "../lib/time";
import { endEverythingOnHost } from "../sessions/links";
import {
  CLAIM_TTL_MS,
  claimLapsed,
  cnameTarget,
  domainTaken,
  forgetHost,
  isPlatformDomain,
  partnerWithDomain,
  txtRecordName,
  verificationRecord,
  verificationState,
  type PartnerWithDomain,
} from "./custom-domain";
import { DnsLookupError } from "../lib/doh";
import { lookup, type RecordType } from "./dns";
import { loadPartner } from "./partner";

/**
 * What a partner does with its custom domain, for the partner API and the console alike: set it,
 * check it (DNS, and the custom hostname at Cloudflare), remove it.
 */

type ClaimedPartner = PartnerWithDomain & { script_domain: string; domain_verification_token: string };

async function stateOf(env: Env, requestUrl: string, partner: ClaimedPartner) {
  // What this host serves may just have changed (claimed, verified, its certificate active).
  forgetHost(partner.script_domain);
  const hostname = configOf(env).cloudflare ? await findHostnameRow(env.CATALOG, partner.script_domain) : null;
  return verificationState(env, requestUrl, partner, hostname);
}

/** The verification object of the partner's domain; 404 when none is set. */
export async function domainVerification(env: Env, partnerId: string, requestUrl: string) {
  return stateOf(env, requestUrl, await partnerWithDomain(env.CATALOG, partnerId));
}

/** The partner's domain ended (changed or removed): its hostname goes if nobody claims it, and what was bound to it ends. */
async function retire(env: Env, domain: string) {
  forgetHost(domain);
  await endEverythingOnHost(env.CATALOG, domain);
  await releaseHostname(env, domain);
}

/**
 * Sets the partner's domain. A different domain (or the same after its claim lapsed) is a new
 * claim: a new token, and its custom hostname created at Cloudflare first, so a name Cloudflare
 * refuses is refused here (422) with nothing changed.
 */
export async function setDomain(env: Env, partnerId: string, domain: string, requestUrl: string) {
  const db = env.CATALOG;
  if (isPlatformDomain(env, requestUrl, domain)) {
    throw new ApiError("UnprocessableEntity", "The script domain must be a domain of yours, not the platform's", {
      domain,
    });
  }
  const taken = await db
    .prepare("SELECT 1 AS taken FROM partners WHERE script_domain = ? AND script_domain_verified = 1 AND id != ?")
    .bind(domain, partnerId)
    .first();
  if (taken) throw domainTaken(domain);
  const before = (await loadPartner(db, partnerId)) as PartnerWithDomain;
  const now = Date.now();
  if (before.script_domain !== domain || before.domain_verification_token === null || claimLapsed(before, now)) {
    try {
      await claimHostname(env, domain, partnerId, now);
    } catch (error) {
      if (!(error instanceof HostnameRefused)) throw error;
      await releaseHostname(env, domain);
      throw new ApiError("UnprocessableEntity", `This domain cannot be served: ${error.message}`, { domain });
    }
  }
  const at = isoSeconds(now);
  // A new claim (another domain, or the same one after its claim lapsed) starts a new verification.
  await db
    .prepare(
      `UPDATE partners SET script_domain = ?1, script_domain_verified = 0, script_domain_verified_at = NULL,
         domain_verification_token = ?2, script_domain_claimed_at = ?3, updated_at = ?3
       WHERE id = ?4 AND (script_domain IS NOT ?1 OR domain_verification_token IS NULL
         OR (script_domain_verified = 0 AND script_domain_claimed_at <= ?5))`,
    )
    .bind(domain, randomHex(16), at, partnerId, isoSeconds(now - CLAIM_TTL_MS))
    .run();
  if (before.script_domain && before.script_domain !== domain) await retire(env, before.script_domain);
  // Script tags change only once the domain is live; the KV pixel records do not hold the domain.
  return stateOf(env, requestUrl, (await loadPartner(db, partnerId)) as ClaimedPartner);
}

/** Removes the partner's domain (nothing to do when none is set). */
export async function removeDomain(env: Env, partnerId: string) {
  const { script_domain: domain } = await loadPartner(env.CATALOG, partnerId);
  if (!domain) return;
  await env.CATALOG.prepare(
    `UPDATE partners SET script_domain = NULL, script_domain_verified = 0, script_domain_verified_at = NULL,
       domain_verification_token = NULL, script_domain_claimed_at = NULL, updated_at = ?
     WHERE id = ? AND script_domain = ?`,
  )
    .bind(isoSeconds(), partnerId, domain)
    .run();
  await retire(env, domain);
}

async function check(env: Env, name: string, type: RecordType, matches: (value: string) => boolean, expected: string) {
  try {
    const found = await lookup(env, name, type);
    return { ok: found.some(matches), name, expected, found, error: null };
  } catch (error) {
    if (!(error instanceof DnsLookupError)) throw error;
    return { ok: false, name, expected, found: [], error: error.message };
  }
}

/**
 * Checks the domain now: our CNAME and TXT records by DNS, and its custom hostname at Cloudflare
 * (created if it is not yet, started again if it failed). Both DNS records found verify the
 * domain; the first account to verify it keeps it (409 for the others).
 */
export async function verifyDomain(env: Env, partnerId: string, requestUrl: string) {
  const db = env.CATALOG;
  const partner = await partnerWithDomain(db, partnerId);
  const domain = partner.script_domain;
  const target = cnameTarget(env, requestUrl);
  const record = verificationRecord(partner.domain_verification_token);
  const [cname, txt] = await Promise.all([
    check(env, domain, "CNAME", (value) => value === target, target),
    check(env, txtRecordName(domain), "TXT", (value) => value.trim() === record, record),
    checkCloudflare(env, domain, partnerId),
  ]);
  if (cname.ok && txt.ok && partner.script_domain_verified !== 1) {
    const at = isoSeconds();
    let verified: D1Result | undefined;
    try {
      // Guarded by the token: a domain changed while DNS was being asked is not marked verified.
      // Proving the domain takes it: every other account's unverified claim to it is released.
      [verified] = await db.batch([
        db
          .prepare(
            `UPDATE partners SET script_domain_verified = 1, script_domain_verified_at = ?, updated_at = ?
             WHERE id = ? AND script_domain = ? AND domain_verification_token = ?`,
          )
          .bind(at, at, partnerId, domain, partner.domain_verification_token),
        db
          .prepare(
            `UPDATE partners SET script_domain = NULL, domain_verification_token = NULL, script_domain_claimed_at = NULL,
               updated_at = ? WHERE script_domain = ? AND script_domain_verified = 0 AND id != ?`,
          )
          .bind(at, domain, partnerId),
      ]);
    } catch (error) {
      if (isUniqueViolation(error)) throw domainTaken(domain, error);
      throw error;
    }
    if (verified!.meta.changes > 0) {
      Object.assign(partner, { script_domain_verified: 1, script_domain_verified_at: at });
      await announceIfLive(env, partnerId);
    }
  }
  return { ...(await stateOf(env, requestUrl, partner)), checks: { cname, txt } };
}

/** The custom hostname of the domain, asked again now (a claim made before Cloudflare was configured gets one). */
async function checkCloudflare(env: Env, domain: string, partnerId: string) {
  try {
    await claimHostname(env, domain, partnerId, Date.now(), false);
  } catch (error) {
    // Cloudflare unreachable: the DNS checks still answer, the cron asks Cloudflare again.
    console.error("custom hostname check failed", domain, error);
  }
}
