import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../worker/index";
import type { PixelRecord } from "../../worker/pixel-config/record";
import { admin } from "./support/api";
import { newPartner, tenantOf } from "./support/partners";

const ORGANIZATIONS = 5_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

async function runCron() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/15 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** Organizations with pixels and a period that ended, written straight to D1 (as a restored backup would be). */
async function seedOrganizations(partnerId: string, count: number) {
  const now = new Date();
  const created = iso(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const ended = iso(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const organizations = Array.from({ length: count }, (_, i) => ({
    id: `org_fanout_${partnerId.slice(4, 12)}_${String(i).padStart(5, "0")}`,
    key: crypto.randomUUID().replace(/-/g, "").slice(0, 24),
  }));
  const { DB } = await tenantOf(partnerId);
  for (let i = 0; i < count; i += 500) {
    const page = JSON.stringify(organizations.slice(i, i + 500));
    await DB.batch([
      DB.prepare(
        `INSERT INTO organizations (id, partner_id, name, status, tier, billing_period, billing_day_of_month, credits,
           created_at, updated_at)
         SELECT value ->> '$.id', ?, 'Client', 'active', 'paid', 'monthly', 1, 0, ?, ? FROM json_each(?)`,
      ).bind(partnerId, created, created, page),
      DB.prepare(
        `INSERT INTO pixels (organization_id, api_key, created_at, updated_at)
         SELECT value ->> '$.id', value ->> '$.key', ?, ? FROM json_each(?)`,
      ).bind(created, created, page),
      DB.prepare(
        `INSERT INTO organization_periods (organization_id, current_period_start, current_period_end, allocation, used,
           available, last_seq, updated_at)
         SELECT value ->> '$.id', ?, ?, 0, 0, 0, 0, ? FROM json_each(?)`,
      ).bind(created, ended, created, page),
    ]);
  }
  return organizations;
}

/** Waits until the JOBS queue synced every organization of the partner, then reads all their KV records. */
async function recordsOnceSynced(partnerId: string, keys: string[]) {
  await vi.waitFor(
    async () => {
      const row = await (
        await tenantOf(partnerId)
      ).DB.prepare("SELECT count(*) AS n FROM organizations WHERE partner_id = ? AND synced_version < sync_version")
        .bind(partnerId)
        .first<{ n: number }>();
      expect(row!.n).toBe(0);
    },
    { timeout: 240_000, interval: 1_000 },
  );
  const records: (PixelRecord | null)[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    records.push(...(await Promise.all(keys.slice(i, i + 100).map((k) => env.PIXELS.get<PixelRecord>(k, "json")))));
  }
  return records;
}

describe("partner-wide changes", () => {
  it(
    "reach every one of 5,000 organizations through the jobs queue: suspension, reactivation, a new global name, and the renewal of every period",
    { timeout: 900_000 },
    async () => {
      const { partner } = await newPartner({ creditPoolTotal: 0 });
      const organizations = await seedOrganizations(partner.id, ORGANIZATIONS);
      const keys = organizations.map((o) => o.key);

      expect((await admin("PUT", `/partners/${partner.id}`, { status: "suspended" })).status).toBe(200);
      const suspended = await recordsOnceSynced(partner.id, keys);
      expect(suspended.filter((r) => r?.enabled === false)).toHaveLength(ORGANIZATIONS);

      const renamed = await admin("PUT", `/partners/${partner.id}`, { status: "active", globalName: "_fanout" });
      expect(renamed.status).toBe(200);
      const active = await recordsOnceSynced(partner.id, keys);
      expect(active.filter((r) => r?.enabled === true && r.globalName === "_fanout")).toHaveLength(ORGANIZATIONS);

      await runCron();
      await vi.waitFor(
        async () => {
          const row = await (
            await tenantOf(partner.id)
          ).DB.prepare(
            `SELECT count(*) AS n FROM organization_periods p JOIN organizations o ON o.id = p.organization_id
             WHERE o.partner_id = ? AND p.current_period_end > ?`,
          )
            .bind(partner.id, iso(Date.now()))
            .first<{ n: number }>();
          expect(row!.n).toBe(ORGANIZATIONS);
        },
        { timeout: 400_000, interval: 2_000 },
      );
    },
  );
});
