import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { admin, expectEnvelope } from "./support/api";
import { importCompany, newOrganization, newPartner, tenantOfOrganization } from "./support/partners";
import { accepted, deliver, freshIp } from "./support/hits";

const DAY = 86_400_000;

async function cron() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/15 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const count = async (sql: string, organizationId: string) =>
  (await (await tenantOfOrganization(organizationId)).DB.prepare(sql).bind(organizationId).first<{ n: number }>())!.n;

describe("retention", () => {
  it("is a partner setting (400 days by default) the partner and the operator can change", async () => {
    const { api, partner } = await newPartner();
    expect(partner.retentionDays).toBe(400);
    expect((await api("GET", "/retention")).body).toEqual({ retentionDays: 400 });
    expect((await api("PUT", "/retention", { retentionDays: 90 })).body).toEqual({ retentionDays: 90 });
    expect((await api("GET", "/me")).body.partner.retentionDays).toBe(90);
    expectEnvelope(await api("PUT", "/retention", { retentionDays: 0 }), 400, "BadRequest");
    expectEnvelope(await api("PUT", "/retention", { retentionDays: 90, more: 1 }), 400, "BadRequest");
    const changed = await admin("PUT", `/partners/${partner.id}`, { retentionDays: 30 });
    expect(changed.body.partner.retentionDays).toBe(30);
    const created = await admin("POST", "/partners", {
      name: "Short memory",
      slug: `short-${crypto.randomUUID().slice(0, 8)}`,
      retentionDays: 7,
    });
    expect(created.body.partner.retentionDays).toBe(7);
  });

  it("H4: the cron removes visitors not seen within the window with their story, and older visits of the others; receipts and counts stay", async () => {
    const { api, partner, organization, pixelKey } = await newOrganization();
    await admin("PUT", `/partners/${partner.id}`, { retentionDays: 30 });
    const [gone, kept] = [freshIp(), freshIp()];
    await importCompany(`${gone}/32`, "Long Gone Ltd");
    await importCompany(`${kept}/32`, "Still Here Inc");
    const old = Date.now() - 40 * DAY;
    await deliver([
      accepted(organization.id, partner, pixelKey, gone, old),
      accepted(organization.id, partner, pixelKey, kept, old + 1000),
    ]);
    await deliver([accepted(organization.id, partner, pixelKey, kept, Date.now())]);
    const key = "(SELECT key FROM organization_keys WHERE organization_id = ?)";
    const pages = () =>
      count(
        `SELECT count(*) AS n FROM page_views WHERE visitor IN (SELECT seq FROM visitors WHERE org = ${key})`,
        organization.id,
      );
    expect(await pages()).toBe(3);
    expect(await count(`SELECT count(*) AS n FROM device_days WHERE org = ${key}`, organization.id)).toBe(3);

    await cron();

    const { body } = await api("GET", `/organizations/${organization.id}/visitors`);
    expect(body.total).toBe(1);
    expect(body.visitors.map((v: { company: { name: string } }) => v.company.name)).toEqual(["Still Here Inc"]);
    expect((await api("GET", `/organizations/${organization.id}/visitors?search=gone`)).body.visitors).toEqual([]);
    expect(await pages()).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM sessions WHERE org = ${key}`, organization.id)).toBe(1);
    // Device rows of days before yesterday go too; receipts and daily counts are kept.
    expect(await count(`SELECT count(*) AS n FROM device_days WHERE org = ${key}`, organization.id)).toBe(1);
    expect((await api("GET", `/organizations/${organization.id}/receipts`)).body.total).toBe(3);
    const counted = await count(
      "SELECT sum(page_views) AS n FROM usage_daily WHERE organization_id = ?",
      organization.id,
    );
    expect(counted).toBe(3);
  });
});
