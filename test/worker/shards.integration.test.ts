import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../worker/index";
import { verifyStandardWebhook } from "../fixtures/standard-webhooks";
import { describe, expect, it } from "vitest";
import { everyTenant, tenantEnv } from "../../worker/shards";
import { admin, expectEnvelope, fetchWith } from "./support/api";
import { importCompany, newOrganization } from "./support/partners";
import { freshIp, pageView, sendHit } from "./support/hits";
import { waitForReceipts } from "./support/receipts";
import { receiverBucket } from "../fixtures/receiver";
import { flushCounter } from "./support/counter";

/** Tenant tables and the column that names whose row it is. */
const OWNED_BY_ORGANIZATION = {
  organizations: "id",
  pixels: "organization_id",
  organization_keys: "organization_id",
  organization_periods: "organization_id",
  usage_daily: "organization_id",
  credit_allocations: "organization_id",
};
const OWNED_BY_PARTNER = { organizations: "partner_id", webhook_endpoints: "partner_id", audit_log: "partner_id" };

async function ownersIn(db: D1Database, table: string, column: string): Promise<string[]> {
  const { results } = await db.prepare(`SELECT DISTINCT "${column}" AS owner FROM "${table}"`).all<{ owner: string }>();
  return results.map((r) => r.owner).sort();
}

/** A partner with a client whose visitor was identified and charged, and a webhook endpoint. */
async function activePartner(shard: number) {
  const owner = await newOrganization({}, { shard });
  const receiver = receiverBucket();
  await owner.api("PUT", "/webhooks/identification", { url: receiver.url("ok") });
  const ip = freshIp();
  await importCompany(`${ip}/32`);
  expect((await sendHit(pageView(owner.pixelKey), { ip })).status).toBe(204);
  await waitForReceipts(owner.organization.id, 1);
  await flushCounter(owner.organization.id);
  return owner;
}

describe("tenant shards", () => {
  it("places each new partner on the shard with the fewest partners, or where the operator says", async () => {
    expect(everyTenant(env).map((t) => t.SHARD)).toEqual([1, 2]);
    const first = await admin("POST", "/partners", { name: "One", slug: "shard-one", billingMode: "external" });
    const second = await admin("POST", "/partners", { name: "Two", slug: "shard-two", billingMode: "external" });
    const third = await admin("POST", "/partners", { name: "Three", slug: "shard-three", billingMode: "external" });
    expect([first.body.partner.shard, second.body.partner.shard, third.body.partner.shard]).toEqual([1, 2, 1]);
    const chosen = await admin("POST", "/partners", {
      name: "Four",
      slug: "shard-four",
      billingMode: "external",
      shard: 1,
    });
    expect(chosen.body.partner.shard).toBe(1);
    expectEnvelope(
      await admin("POST", "/partners", { name: "Five", slug: "shard-five", billingMode: "external", shard: 3 }),
      400,
      "BadRequest",
    );
    const listed = await admin("GET", "/partners?slug=shard-two");
    expect(listed.body.partners[0].shard).toBe(2);
    const { body } = await admin("GET", "/shards");
    expect(body.shards.map((s: { shard: number; partners: number }) => [s.shard, s.partners])).toEqual([
      [1, 3],
      [2, 1],
    ]);
    expect(body.shards.every((s: { bytes: number }) => s.bytes > 0)).toBe(true);
    expect(body.catalog.bytes).toBeGreaterThan(0);
  });

  it("H4: shows each database's size against D1's 10 GB and whether it is past the alarm threshold", async () => {
    const { body } = await admin("GET", "/shards");
    for (const database of [body.catalog, ...body.shards]) {
      expect(database).toMatchObject({ limitBytes: 10_000_000_000, alarm: false });
      expect(database.percentOfLimit).toBeCloseTo((database.bytes / 10_000_000_000) * 100, 3);
    }
    // The same databases with the threshold at 0 %: every one of them is past it.
    const alarmed = await fetchWith({ SHARD_ALARM_PERCENT: "0" }, "/api/v1/admin/shards", {
      headers: { "x-admin-api-key": env.ADMIN_API_KEY },
    });
    expect(alarmed.status, alarmed.text).toBe(200);
    expect([alarmed.body.catalog, ...alarmed.body.shards].map((d: { alarm: boolean }) => d.alarm)).toEqual([
      true,
      true,
      true,
    ]);
  });

  it("H4: tells the operator's webhook, signed, once a day about each database past the alarm threshold", async () => {
    const receiver = receiverBucket();
    const secret = `whsec_${btoa("operator-only-webhook-secret-32b!")}`;
    // The first three requests fail: the next cron run sends again what was not acknowledged.
    const operator = {
      ...env,
      SHARD_ALARM_PERCENT: "0",
      OPERATOR_WEBHOOK_URL: receiver.url("fail/3/500"),
      OPERATOR_WEBHOOK_SECRET: secret,
    };
    const cron = async () => {
      const ctx = createExecutionContext();
      await worker.scheduled(
        createScheduledController({ scheduledTime: Date.now(), cron: "*/15 * * * *" }),
        operator,
        ctx,
      );
      await waitOnExecutionContext(ctx);
    };
    await cron();
    expect(await receiver.received()).toHaveLength(3);
    await cron();
    await cron(); // acknowledged today already: nothing more
    const received = await receiver.received();
    expect(received).toHaveLength(6);
    const acknowledged = received.slice(3);
    const events = acknowledged.map((r) => JSON.parse(r.body));
    expect(events.map((e) => e.database).sort()).toEqual(["catalog", "shard-1", "shard-2"]);
    for (const [i, event] of events.entries()) {
      expect(event).toMatchObject({ type: "database.size", limitBytes: 10_000_000_000, alarm: true });
      expect(event.bytes).toBeGreaterThan(0);
      expect(await verifyStandardWebhook(acknowledged[i]!.headers, acknowledged[i]!.body, secret)).toBe(true);
    }
  });

  it("keeps every row of a partner's organizations, visits, charges and webhooks in its shard only", async () => {
    const [a, b] = [await activePartner(1), await activePartner(2)];
    expect([a.partner.shard, b.partner.shard]).toEqual([1, 2]);
    expect(await a.api("GET", "/me").then((r) => r.body.partner)).not.toHaveProperty("shard");

    for (const { partner, organization } of [a, b]) {
      const own = tenantEnv(env, partner.shard).DB;
      const other = everyTenant(env).find((t) => t.SHARD !== partner.shard)!.DB;
      for (const [table, column] of Object.entries(OWNED_BY_ORGANIZATION)) {
        expect(await ownersIn(own, table, column), `${table} in its shard`).toContain(organization.id);
        expect(await ownersIn(other, table, column), `${table} in the other shard`).not.toContain(organization.id);
      }
      for (const [table, column] of Object.entries(OWNED_BY_PARTNER)) {
        expect(await ownersIn(other, table, column), `${table} in the other shard`).not.toContain(partner.id);
      }
      const charges = `SELECT count(*) AS n FROM charges WHERE org = (SELECT key FROM organization_keys WHERE organization_id = ?)`;
      expect((await own.prepare(charges).bind(organization.id).first<{ n: number }>())!.n).toBe(1);
      const ledger = `SELECT count(*) AS n FROM ledger_entries WHERE org = (SELECT key FROM organization_keys WHERE organization_id = ?)`;
      expect((await own.prepare(ledger).bind(organization.id).first<{ n: number }>())!.n).toBeGreaterThan(0);
    }
    // The catalog holds the partners and their keys, and no tenant table.
    const catalogTables = await env.CATALOG.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{
      name: string;
    }>();
    expect(catalogTables.results.map((t) => t.name)).not.toContain("organizations");
  });

  it("never shows one partner another shard's organization, whatever id it asks for", async () => {
    const [a, b] = [await activePartner(1), await activePartner(2)];
    const listed = await a.api("GET", "/organizations");
    expect(listed.body.organizations.map((o: { id: string }) => o.id)).toEqual([a.organization.id]);
    expectEnvelope(await a.api("GET", `/organizations/${b.organization.id}`), 404, "NotFound");
    expectEnvelope(await a.api("GET", `/organizations/${b.organization.id}/receipts`), 404, "NotFound");
    expectEnvelope(await b.api("GET", `/organizations/${a.organization.id}/visitors`), 404, "NotFound");
    expect((await b.api("GET", `/organizations/${b.organization.id}/receipts`)).body.total).toBe(1);
  });
});
