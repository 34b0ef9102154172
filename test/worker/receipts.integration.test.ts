import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { expectEnvelope, freshIp, importCompany, newOrganization, pageView, sendHit, waitForReceipts } from "./support";
import { flushCounter } from "./counter";

const BOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const today = () => new Date().toISOString().slice(0, 10);

/** One organization with every kind of attempt: charged, already charged, not identified, bot, and a rejected referrer. */
async function organizationWithTraffic() {
  const setup = await newOrganization({ initialCredits: 100 });
  const { api, organization, pixelKey } = setup;
  await api("PUT", `/organizations/${organization.id}/pixel`, { allowedReferrers: ["client.example"] });
  const ip = freshIp();
  await importCompany(`${ip}/32`, "Acme Corp");
  const first = pageView(pixelKey, "https://client.example/");
  await sendHit(first, { ip });
  await waitForReceipts(organization.id, 1);
  await sendHit(pageView(pixelKey, "https://client.example/pricing"), { ip });
  await sendHit(pageView(pixelKey, "https://client.example/"), { ip: freshIp() });
  await sendHit(pageView(pixelKey, "https://client.example/"), { ip, userAgent: BOT_UA });
  expect((await sendHit(pageView(pixelKey, "https://elsewhere.example/"), { ip })).status).toBe(403);
  await waitForReceipts(organization.id, 4);
  await vi.waitFor(async () => {
    const row = await env.DB.prepare("SELECT count(*) AS n FROM rejected_hits WHERE organization_id = ?")
      .bind(organization.id)
      .first<{ n: number }>();
    expect(row!.n).toBe(1);
  });
  await flushCounter(organization.id);
  return { ...setup, chargedEventId: first.i };
}

describe("receipts and ledger", () => {
  it("explains every identification attempt with a reason code and links the charge to its ledger entry", async () => {
    const { api, organization, chargedEventId } = await organizationWithTraffic();
    const res = await api("GET", `/organizations/${organization.id}/receipts`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ total: 4, page: 1, pageSize: 20 });
    expect(res.body.receipts.map((r: { reason: string }) => r.reason).sort()).toEqual([
      "already_charged_this_period",
      "bot",
      "charged",
      "not_identified",
    ]);
    expect(res.body.rejections).toEqual([{ reason: "referrer_not_allowed", count: 1 }]);

    const charged = await api("GET", `/organizations/${organization.id}/receipts?reason=charged`);
    expect(charged.body.total).toBe(1);
    const [receipt] = charged.body.receipts;
    expect(receipt).toMatchObject({
      eventId: chargedEventId,
      reason: "charged",
      credits: 1,
      identityType: "company",
      visitorId: expect.stringMatching(/^vis_/),
      ledgerEntryId: expect.stringContaining(`${organization.id}:`),
    });
    expect(charged.body.rejections).toEqual([]);

    const ledger = await api("GET", `/organizations/${organization.id}/ledger?kind=debit`);
    expect(ledger.body.total).toBe(1);
    expect(ledger.body.entries[0]).toMatchObject({
      id: receipt.ledgerEntryId,
      kind: "debit",
      credits: -1,
      eventId: chargedEventId,
      identity: receipt.identity,
      balanceAfter: 99,
    });

    const rejected = await api("GET", `/organizations/${organization.id}/receipts?reason=referrer_not_allowed`);
    expect(rejected.body).toMatchObject({
      total: 0,
      receipts: [],
      rejections: [{ reason: "referrer_not_allowed", count: 1 }],
    });
  });

  it("pages and filters receipts and ledger entries by date", async () => {
    const { api, organization } = await organizationWithTraffic();
    const base = `/organizations/${organization.id}`;
    const first = await api("GET", `${base}/receipts?pageSize=3`);
    const second = await api("GET", `${base}/receipts?pageSize=3&page=2`);
    expect(first.body.receipts).toHaveLength(3);
    expect(second.body.receipts).toHaveLength(1);
    const ids = [...first.body.receipts, ...second.body.receipts].map((r: { eventId: string }) => r.eventId);
    expect(new Set(ids).size).toBe(4);
    const times = [...first.body.receipts, ...second.body.receipts].map((r: { createdAt: string }) => r.createdAt);
    expect(times).toEqual([...times].sort().reverse());

    expect((await api("GET", `${base}/receipts?startDate=${today()}&endDate=${today()}`)).body.total).toBe(4);
    const none = await api("GET", `${base}/receipts?endDate=2020-01-01`);
    expect(none.body).toMatchObject({ total: 0, receipts: [], rejections: [] });
    expect(
      (await api("GET", `${base}/receipts?startDate=${new Date(Date.now() + 3600_000).toISOString()}`)).body.total,
    ).toBe(0);

    const ledger = await api("GET", `${base}/ledger`);
    expect(ledger.body.entries.map((e: { kind: string }) => e.kind)).toEqual(["debit", "period_opened"]);
    expect((await api("GET", `${base}/ledger?endDate=2020-01-01`)).body.total).toBe(0);
    expect((await api("GET", `${base}/ledger?pageSize=1&page=2`)).body.entries[0].kind).toBe("period_opened");
  });

  it("rejects bad filters and hides other partners' organizations", async () => {
    const { api, organization } = await newOrganization();
    const other = await newOrganization();
    expectEnvelope(await api("GET", `/organizations/${organization.id}/receipts?reason=free`), 400, "BadRequest");
    expectEnvelope(await api("GET", `/organizations/${organization.id}/receipts?pageSize=101`), 400, "BadRequest");
    expectEnvelope(await api("GET", `/organizations/${organization.id}/ledger?startDate=soon`), 400, "BadRequest");
    expectEnvelope(await api("GET", `/organizations/${other.organization.id}/receipts`), 404, "NotFound");
    expectEnvelope(await api("GET", `/organizations/${other.organization.id}/ledger`), 404, "NotFound");
    for (const o of [organization, other.organization]) {
      const stub = env.CREDITS.get(env.CREDITS.idFromName(o.id));
      await runInDurableObject(stub, (_, s) => s.storage.deleteAlarm());
    }
  });
});
