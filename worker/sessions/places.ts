import type { Env } from "../env";
import { configOf } from "../config";

/** The partner API's tag for sign-in links and sessions (three resource folders share it). */
export const DASHBOARDS_TAG = {
  name: "Dashboards",
  description: "Sign-in links to a client's dashboard and to the partner's console, and their sessions.",
};

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
