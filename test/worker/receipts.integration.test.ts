import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { admin, expectEnvelope } from "./support/api";
import { importCompany, newOrganization, tenantOfOrganization } from "./support/partners";
import { freshIp, pageView, sendHit } from "./support/hits";
import { waitForReceipts } from "./support/receipts";
import { untilNextSecond } from "./support/time";
import { counterOf } from "./support/counter";
import { flushCounter } from "./support/counter";

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
    const row = await (
      await tenantOfOrganization(organization.id)
    ).DB.prepare("SELECT sum(referrer_not_allowed) AS n FROM usage_daily WHERE organization_id = ?")
      .bind(organization.id)
      .first<{ n: number }>();
    expect(row!.n).toBe(1);
  });
  await flushCounter(organization.id);
  return { ...setup, chargedEventId: first.i };
}

/** One organization with `n` companies charged, a few seconds apart. */
async function organizationWithCharges(n: number) {
  const setup = await newOrganization({ initialCredits: 100 });
  for (let i = 0; i < n; i++) {
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    await sendHit(pageView(setup.pixelKey), { ip });
    await waitForReceipts(setup.organization.id, i + 1);
    await untilNextSecond();
  }
  await flushCounter(setup.organization.id);
  return setup;
}

describe("receipts and ledger", () => {
  it("keeps a receipt for each charge, linked to its ledger entry, and counts every other outcome per day beside them", async () => {
    const { api, organization, chargedEventId } = await organizationWithTraffic();
    const res = await api("GET", `/organizations/${organization.id}/receipts`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ total: 1, page: 1, pageSize: 20, nextCursor: null });
    expect(res.body.receipts).toHaveLength(1);
    const [receipt] = res.body.receipts;
    expect(receipt).toMatchObject({
      eventId: chargedEventId,
      reason: "charged",
      credits: 1,
      identityType: "company",
      visitorId: expect.stringMatching(/^vis_/),
      identity: receipt.visitorId,
      ledgerEntryId: expect.stringContaining(`${organization.id}:`),
    });
    expect(res.body.counts).toEqual({
      byReason: {
        charged: 1,
        already_charged_this_period: 1,
        no_credit: 0,
        bot: 1,
        referrer_not_allowed: 1,
        disabled: 0,
        not_identified: 1,
        excluded: 0,
        suspicious: 0,
        suppressed: 0,
      },
      from: null,
      to: null,
    });
    expect(res.body.rejections).toEqual([{ reason: "referrer_not_allowed", count: 1 }]);
    const visitors = await api("GET", `/organizations/${organization.id}/visitors`);
    expect(visitors.body.visitors[0].id).toBe(receipt.visitorId);

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

    // Outcomes other than a charge have counts, no receipts.
    const free = await api("GET", `/organizations/${organization.id}/receipts?reason=already_charged_this_period`);
    expect(free.body).toMatchObject({ total: 0, receipts: [], rejections: [] });
    expect(free.body.counts.byReason.already_charged_this_period).toBe(1);
    const rejected = await api("GET", `/organizations/${organization.id}/receipts?reason=referrer_not_allowed`);
    expect(rejected.body).toMatchObject({
      total: 0,
      receipts: [],
      rejections: [{ reason: "referrer_not_allowed", count: 1 }],
    });
  });

  it("pages receipts and ledger entries by page number or cursor, and filters them by date", async () => {
    const { api, organization } = await organizationWithCharges(4);
    const base = `/organizations/${organization.id}`;
    const first = await api("GET", `${base}/receipts?pageSize=3`);
    const second = await api("GET", `${base}/receipts?pageSize=3&page=2`);
    expect(first.body.receipts).toHaveLength(3);
    expect(second.body.receipts).toHaveLength(1);
    expect(first.body.total).toBe(4);
    const ids = [...first.body.receipts, ...second.body.receipts].map((r: { eventId: string }) => r.eventId);
    expect(new Set(ids).size).toBe(4);
    const times = [...first.body.receipts, ...second.body.receipts].map((r: { createdAt: string }) => r.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    // The cursor of page 1 gives page 2, and the last page has none.
    expect(second.body.nextCursor).toBeNull();
    const next = await api("GET", `${base}/receipts?pageSize=3&cursor=${first.body.nextCursor}`);
    expect(next.body.receipts).toEqual(second.body.receipts);
    expect(next.body.nextCursor).toBeNull();

    expect((await api("GET", `${base}/receipts?startDate=${today()}&endDate=${today()}`)).body.total).toBe(4);
    const none = await api("GET", `${base}/receipts?endDate=2020-01-01`);
    expect(none.body).toMatchObject({ total: 0, receipts: [], rejections: [] });
    const later = new Date(Date.now() + 3600_000).toISOString();
    expect((await api("GET", `${base}/receipts?startDate=${later}`)).body).toMatchObject({ total: 0, receipts: [] });
    const since = times[1];
    const recent = await api("GET", `${base}/receipts?startDate=${since}`);
    expect(recent.body.total).toBe(2);

    const ledger = await api("GET", `${base}/ledger`);
    expect(ledger.body.entries.map((e: { kind: string }) => e.kind)).toEqual([
      "debit",
      "debit",
      "debit",
      "debit",
      "period_opened",
    ]);
    expect((await api("GET", `${base}/ledger?endDate=2020-01-01`)).body.total).toBe(0);
    expect((await api("GET", `${base}/ledger?pageSize=1&page=5`)).body.entries[0].kind).toBe("period_opened");
    const page = await api("GET", `${base}/ledger?pageSize=2`);
    const after = await api("GET", `${base}/ledger?pageSize=2&cursor=${page.body.nextCursor}`);
    expect(after.body.entries).toEqual(ledger.body.entries.slice(2, 4));
  }, 30_000);

  it("L7: shows who was charged as the visitor id in receipts and the ledger, never the email's hash", async () => {
    const { api, organization, pixelKey } = await newOrganization({ productType: "B2C" });
    const hash = "d4735e3a265e16eee03f59718b9b5d03019c07d8b6c51f90da3a666eec13ab35";
    await admin("POST", "/people", [{ emailSha256: hash, name: "Pat Example", emailDomain: "example.com" }]);
    await sendHit(
      { k: pixelKey, t: "i", i: crypto.randomUUID(), u: "https://shop.example/", h: hash },
      {
        ip: freshIp(),
      },
    );
    await waitForReceipts(organization.id, 1);
    await flushCounter(organization.id);
    const receipts = await api("GET", `/organizations/${organization.id}/receipts`);
    const ledger = await api("GET", `/organizations/${organization.id}/ledger?kind=debit`);
    expect(receipts.body.receipts[0]).toMatchObject({
      identityType: "person",
      identity: expect.stringMatching(/^vis_/),
    });
    expect(ledger.body.entries[0].identity).toBe(receipts.body.receipts[0].identity);
    expect(JSON.stringify([receipts.body, ledger.body])).not.toContain(hash);
  });

  it("rejects bad filters and cursors, and hides other partners' organizations", async () => {
    const { api, organization } = await newOrganization();
    const other = await newOrganization();
    expectEnvelope(await api("GET", `/organizations/${organization.id}/receipts?reason=free`), 400, "BadRequest");
    expectEnvelope(await api("GET", `/organizations/${organization.id}/receipts?pageSize=101`), 400, "BadRequest");
    expectEnvelope(await api("GET", `/organizations/${organization.id}/receipts?cursor=nonsense`), 400, "BadRequest");
    expectEnvelope(await api("GET", `/organizations/${organization.id}/ledger?cursor=WyJ4Il0`), 400, "BadRequest");
    expectEnvelope(await api("GET", `/organizations/${organization.id}/ledger?startDate=soon`), 400, "BadRequest");
    expectEnvelope(await api("GET", `/organizations/${other.organization.id}/receipts`), 404, "NotFound");
    expectEnvelope(await api("GET", `/organizations/${other.organization.id}/ledger`), 404, "NotFound");
    for (const o of [organization, other.organization]) {
      const stub = await counterOf(o.id);
      await runInDurableObject(stub, (_, s) => s.storage.deleteAlarm());
    }
  });
});
