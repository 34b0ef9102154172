import { SCRIPT_PATH_PREFIX } from "../../shared/hit";
import { configOf } from "../config";
import type { Env } from "../env";
import type { PartnerRow } from "../partners/partner";

/**
 * Where a partner's clients load the script from: the partner's verified domain, else the
 * configured base URL, else the origin the API was called on (local runs).
 */
export function scriptBaseUrl(
  env: Env,
  requestUrl: string,
  partner: Pick<PartnerRow, "script_domain" | "script_domain_verified">,
) {
  const base =
    partner.script_domain && partner.script_domain_verified
      ? `https://${partner.script_domain}`
      : (configOf(env).scriptBaseUrl ?? new URL(requestUrl).origin);
  return base.replace(/\/$/, "");
}

export function scriptUrl(
  env: Env,
  requestUrl: string,
  partner: Pick<PartnerRow, "script_domain" | "script_domain_verified">,
  pixelKey: string,
) {
  return `${scriptBaseUrl(env, requestUrl, partner)}${SCRIPT_PATH_PREFIX}${pixelKey}.js`;
}

export const scriptTag = (url: string) => `<script async src="${url}"></script>`;
