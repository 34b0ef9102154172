import type { ConsentMode } from "../../shared/hit";
import type { TenantEnv } from "../shards";
import { normalizeReferrerEntry } from "../pixel-config/referrers";
import { loadPartner } from "../partners/partner";
import { scriptTag, scriptUrl } from "./script-tag";

/** An organization's pixel as the partner API answers it and the console shows it. */
export interface Pixel {
  apiKey: string;
  allowedReferrers: string[];
  scriptTag: string;
  scriptUrl: string;
  respectPrivacySignals: boolean;
  hashRouting: boolean;
  consentMode: ConsentMode;
  proxySecret: { createdAt: string } | null;
}

interface PixelRow {
  api_key: string;
  allowed_referrers: string;
  respect_privacy_signals: number;
  hash_routing: number;
  consent_mode: ConsentMode;
  proxy_secret_created_at: string | null;
}

/** The organization's pixel; its script's URL on the partner's script domain, else the request's origin. */
export async function pixelOf(
  env: TenantEnv,
  requestUrl: string,
  partnerId: string,
  organizationId: string,
): Promise<Pixel> {
  const [row, partner] = await Promise.all([
    env.DB.prepare("SELECT * FROM pixels WHERE organization_id = ?").bind(organizationId).first<PixelRow>(),
    loadPartner(env.CATALOG, partnerId),
  ]);
  if (!row) throw new Error(`pixel of ${organizationId} missing`);
  const url = scriptUrl(env, requestUrl, partner, row.api_key);
  return {
    apiKey: row.api_key,
    allowedReferrers: JSON.parse(row.allowed_referrers) as string[],
    scriptTag: scriptTag(url),
    scriptUrl: url,
    respectPrivacySignals: row.respect_privacy_signals === 1,
    hashRouting: row.hash_routing === 1,
    consentMode: row.consent_mode,
    proxySecret: row.proxy_secret_created_at === null ? null : { createdAt: row.proxy_secret_created_at },
  };
}

/**
 * A client's website as its pixel's allowed referrers: the domain and its subdomains (a leading
 * `www.` dropped, so the apex is allowed too); null when it is not a domain.
 */
export function websiteReferrers(website: string): string[] | null {
  const host = normalizeReferrerEntry(website);
  if (!host || host.startsWith("*.") || host.startsWith("[")) return null;
  const domain = host.startsWith("www.") ? host.slice(4) : host;
  return [domain, `*.${domain}`];
}
