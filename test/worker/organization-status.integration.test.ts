import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../../worker/index";
import { forgetLocationPixels, forgetRememberedPixels } from "../../worker/pixel-config/record";
import { BASE, expectEnvelope } from "./support/api";
import { importCompany, newOrganization, tenantOfOrganization } from "./support/partners";
import { accepted, deliver, freshIp, pageView, sendHit } from "./support/hits";
import { receipts } from "./support/receipts";
import { counterOf } from "./support/counter";
import { callWith, failingNextPut } from "./support/env-faults";

async function script(pixelKey: string) {
  return (await exports.default.fetch(`${BASE}/s/${pixelKey}.js`)).text();
}

async function runCron() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/15 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

async function recordBecomes(pixelKey: string, expected: Record<string, unknown>) {
  await vi.waitFor(async () => expect(await env.PIXELS.get(pixelKey, "json")).toMatchObject(expected), {
    timeout: 15_000,
    interval: 100,
  });
}

async function syncVersion(organizationId: string) {
  const row = await (
    await tenantOfOrganization(organizationId)
  ).DB.prepare("SELECT sync_version, synced_version FROM organizations WHERE id = ?")
    .bind(organizationId)
    .first<{ sync_version: number; synced_version: number }>();
  return row!;
}

describe("organization status", () => {
  it("M2: a retried DELETE completes what a failed KV write left: the record says disabled and hits are refused", async () => {
    const { key, api, organization, pixelKey } = await newOrganization({ initialCredits: 100 });
    const failed = await callWith(
      { PIXELS: failingNextPut(env.PIXELS) },
      key,
      "DELETE",
      `/organizations/${organization.id}`,
    );
    expect(failed.status).toBe(500);

    expect((await api("DELETE", `/organizations/${organization.id}`)).status).toBe(204);
    expect(await env.PIXELS.get(pixelKey, "json")).toMatchObject({ enabled: false });
    const { sync_version } = await syncVersion(organization.id);
    expect(await env.PIXELS.get(pixelKey, "json")).toMatchObject({ version: sync_version });
    forgetRememberedPixels();
    expect(await script(pixelKey)).toBe("");
    expectEnvelope(await sendHit(pageView(pixelKey), { ip: freshIp() }), 403, "Forbidden");
    // The unused allocation went back to the pool, also on the retry.
    expect((await api("GET", `/organizations/${organization.id}`)).body.organization).toMatchObject({
      status: "canceled",
      credits: 0,
    });
  });

  it("M2: the counter never charges a disabled organization, whatever KV says", async () => {
    const { api, partner, organization, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const live = await env.PIXELS.get(pixelKey, "json");
    expect((await api("PUT", `/organizations/${organization.id}/status`, { enabled: false })).status).toBe(200);
    // A location still serving the old record accepts the hit.
    await env.PIXELS.put(pixelKey, JSON.stringify(live));
    forgetRememberedPixels();
    await forgetLocationPixels(pixelKey);
    expect((await sendHit(pageView(pixelKey), { ip })).status).toBe(204);
    await deliver([accepted(organization.id, partner, pixelKey, ip, Date.now())]);

    expect(await (await counterOf(organization.id)).balance()).toMatchObject({ used: 0, available: 100 });
    expect((await receipts(organization.id)).filter((r) => r.reason === "charged")).toEqual([]);
  });

  it("M2: the reconciliation rewrites a KV record that differs from D1", { timeout: 30_000 }, async () => {
    const { api, organization, pixelKey } = await newOrganization();
    expect((await api("DELETE", `/organizations/${organization.id}`)).status).toBe(204);
    const record = await env.PIXELS.get<Record<string, unknown>>(pixelKey, "json");
    await env.PIXELS.put(pixelKey, JSON.stringify({ ...record, enabled: true }));
    await runCron();
    await recordBecomes(pixelKey, { enabled: false });
  });

  it(
    "M2: a disable whose KV write failed is repaired by the reconciliation without a retry",
    { timeout: 30_000 },
    async () => {
      const { key, organization, pixelKey } = await newOrganization();
      const path = `/organizations/${organization.id}/status`;
      const failed = await callWith({ PIXELS: failingNextPut(env.PIXELS) }, key, "PUT", path, { enabled: false });
      expect(failed.status).toBe(500);
      await runCron();
      await recordBecomes(pixelKey, { enabled: false });
      const after = await syncVersion(organization.id);
      expect(after.synced_version).toBe(after.sync_version);
    },
  );
});
