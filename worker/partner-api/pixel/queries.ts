import type { z } from "@hono/zod-openapi";
import type { ConsentMode } from "../../../shared/hit";
import type { TenantEnv } from "../../shards";
import { scriptTag, scriptUrl } from "../../organizations/script-tag";
import { loadPartner } from "../../partners/partner";
import type { PixelSchema } from "./schemas";

interface PixelRow {
  api_key: string;
  allowed_referrers: string;
  respect_privacy_signals: number;
  hash_routing: number;
  consent_mode: ConsentMode;
  proxy_secret_created_at: string | null;
}

export async function pixelOf(
  env: TenantEnv,
  requestUrl: string,
  partnerId: string,
  organizationId: string,
): Promise<z.infer<typeof PixelSchema>> {
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
