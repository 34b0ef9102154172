import { SCRIPT_PATH_PREFIX } from "../../shared/hit";
import { configOf } from "../config";
import type { Env } from "../env";
import { liveDomain, type PartnerDomain } from "../partners/custom-domain";

/**
 * Where a partner's clients load the script from: the partner's live domain (verified, its
 * certificate active), else the configured base URL, else the origin the API was called on (local runs).
 */
export function scriptBaseUrl(env: Env, requestUrl: string, partner: PartnerDomain) {
  const domain = liveDomain(env, partner);
  const base = domain ? `https://${domain}` : (configOf(env).scriptBaseUrl ?? new URL(requestUrl).origin);
  return base.replace(/\/$/, "");
}

export function scriptUrl(env: Env, requestUrl: string, partner: PartnerDomain, pixelKey: string) {
  return `${scriptBaseUrl(env, requestUrl, partner)}${SCRIPT_PATH_PREFIX}${pixelKey}.js`;
}

export const scriptTag = (url: string) => `<script async src="${url}"></script>`;
