import { configOf } from "../config";
import type { Env } from "../env";
import { tenantOfPartner } from "../shards";
import { emitEvents, eventId } from "../webhooks/events";
import { claimantsOf, findHostnameRow, parse } from "./queries";
import { tlsReady, type HostnameState } from "./status";

/**
 * `domain.activated` when a partner's domain goes live (verified by DNS and, when Cloudflare
 * provisions TLS, its hostname and certificate active), `domain.failed` when Cloudflare gives up.
 * Ids derive from the episode (the verification and the activation, or the failure), so
 * announcing one twice delivers it once.
 */

/** Announces the partner's domain if it is live now: after DNS verification, or after Cloudflare activated it. */
export async function announceIfLive(env: Env, partnerId: string): Promise<void> {
  const partner = await env.CATALOG.prepare(
    "SELECT script_domain, script_domain_verified, script_domain_verified_at FROM partners WHERE id = ?",
  )
    .bind(partnerId)
    .first<{
      script_domain: string | null;
      script_domain_verified: number;
      script_domain_verified_at: string | null;
    }>();
  if (!partner?.script_domain || partner.script_domain_verified !== 1) return;
  const domain = partner.script_domain;
  const row = await findHostnameRow(env.CATALOG, domain);
  if (!tlsReady(configOf(env).cloudflare !== null, row?.state ?? null)) return;
  const cause = `${partnerId}|${domain}|${partner.script_domain_verified_at}|${row?.active_at ?? "-"}`;
  await emit(env, partnerId, {
    id: await eventId("domain.activated", cause),
    type: "domain.activated",
    data: { domain, scriptBaseUrl: `https://${domain}`, dashboardUrl: `https://${domain}/` },
  });
}

/** A hostname changed state: tell the partners it concerns. */
export async function announceTransition(env: Env, hostname: string, state: HostnameState): Promise<void> {
  if (state !== "active" && state !== "failed") return;
  const claimants = await claimantsOf(env.CATALOG, hostname);
  if (state === "active") {
    for (const c of claimants.filter((c) => c.verified === 1)) await announceIfLive(env, c.id);
    return;
  }
  const row = await findHostnameRow(env.CATALOG, hostname);
  if (!row) return;
  for (const c of claimants) {
    await emit(env, c.id, {
      id: await eventId("domain.failed", `${c.id}|${hostname}|${row.failed_at}`),
      type: "domain.failed",
      data: { domain: hostname, status: row.status, sslStatus: row.ssl_status, errors: parse<string>(row.errors) },
    });
  }
}

type Announcement =
  | { id: string; type: "domain.activated"; data: { domain: string; scriptBaseUrl: string; dashboardUrl: string } }
  | {
      id: string;
      type: "domain.failed";
      data: { domain: string; status: string | null; sslStatus: string | null; errors: string[] };
    };

async function emit(env: Env, partnerId: string, event: Announcement) {
  const tenant = await tenantOfPartner(env, partnerId);
  await emitEvents(tenant, [{ ...event, partnerId, organizationId: null, createdAt: Date.now() }]);
}
