import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import worker from "../../../worker/index";
import { importCompany, newOrganization, tenantOfOrganization } from "./partners";
import { deliver, freshIp } from "./hits";
import { visitOf } from "./alerts";

/** Helpers for digest tests: companies visiting at chosen times, the settings API, the cron at a chosen time. */

export type Owner = Awaited<ReturnType<typeof newOrganization>>;
export const HOUR_S = 3600;
export const DAY_S = 24 * HOUR_S;

/** An organization whose digests go out at an hour at least 7 hours ahead, so a test has a day of visits to place. */
export async function organizationWithDigests(
  recipients: Record<string, unknown>[],
  extra: Record<string, unknown> = {},
) {
  const owner = await newOrganization({ name: "Acme Widgets" });
  const hourUtc = (new Date().getUTCHours() + 8) % 24;
  const res = await owner.api("PUT", `/organizations/${owner.organization.id}/digests`, {
    recipients,
    hourUtc,
    ...extra,
  });
  expect(res.status, res.text).toBe(200);
  return { ...owner, settings: res.body.digests, nextDaily: Date.parse(res.body.digests.nextDaily) / 1000 };
}

/** A company imported for the test, with its address. */
export async function company(name: string) {
  const ip = freshIp();
  const domain = await importCompany(`${ip}/32`, name);
  return { name, ip, domain };
}

/** A page view of the company at `at` (unix seconds), through the real hits consumer. */
export async function visit(owner: Owner, who: { ip: string }, at: number, path = "/") {
  await deliver([visitOf(owner, who.ip, at * 1000, path)]);
}

/** The cron, as Cloudflare runs it, at a chosen time (unix seconds). */
export async function runCron(at: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: at * 1000, cron: "*/15 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

export interface Claim {
  email: string;
  frequency: string;
  period_start: number;
  period_end: number;
  status: string;
  reason: string | null;
  attempts: number;
}

/** Every digest claimed for the organization, oldest period first. */
export async function claimsOf(organizationId: string): Promise<Claim[]> {
  const { DB } = await tenantOfOrganization(organizationId);
  const { results } = await DB.prepare(
    "SELECT * FROM digest_claims WHERE organization_id = ? ORDER BY period_end, frequency, email",
  )
    .bind(organizationId)
    .all<Claim>();
  return results;
}

/** Waits until the organization has `count` claims, none of them waiting, and returns them. */
export async function settledClaims(organizationId: string, count: number): Promise<Claim[]> {
  return vi.waitFor(
    async () => {
      const claims = await claimsOf(organizationId);
      expect(claims).toHaveLength(count);
      expect(claims.filter((c) => c.status === "pending" || c.status === "sending")).toEqual([]);
      return claims;
    },
    { timeout: 15_000, interval: 100 },
  );
}
