import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { receiverBucket } from "../fixtures/receiver";
import { counterTablesMentioning, flushCounter } from "./support/counter";
import { b2cOrganization, importedPerson, visitAndIdentify } from "./support/people";
import { admin, expectEnvelope } from "./support/api";
import { newPartner, tenantOfOrganization } from "./support/partners";
import { deliver } from "./support/hits";
import { everyD1Row } from "./support/stores";

/** Erasing one visitor: its story goes from every D1 table; its charges keep their amounts without it. */

/** The tables holding a row that names the visitor (its id, `vis_` id or — where a column is its seq — its seq). */
async function tablesMentioning(visitorId: string, seq: number) {
  const seqColumns: Record<string, string> = {
    visitors: "seq",
    sessions: "visitor",
    page_views: "visitor",
    visitor_search_docsize: "id",
  };
  const found: Record<string, unknown[]> = {};
  for (const [table, rows] of await everyD1Row()) {
    const hits = rows.filter(
      (row) =>
        JSON.stringify(row).includes(visitorId) ||
        (table in seqColumns && (row as Record<string, unknown>)[seqColumns[table]!] === seq),
    );
    if (hits.length > 0) found[table] = hits;
  }
  return found;
}

async function identifiedTwice() {
  const { api, partner } = await newPartner();
  const receiver = receiverBucket();
  expect((await api("PUT", "/webhooks/identification", { url: receiver.url("ok") })).status).toBe(200);
  const shop = await b2cOrganization(api);
  const [erased, kept] = [await importedPerson("Erased Person"), await importedPerson("Kept Person")];
  const visit = visitAndIdentify(shop, partner, erased, { path: "/private-page" });
  const engagement = {
    ...visit[0],
    receivedAt: visit[0]!.receivedAt + 5_000,
    hit: { k: shop.pixelKey, t: "e", i: crypto.randomUUID(), u: visit[0]!.hit.u, p: visit[0]!.hit.i, s: 30, d: 50 },
  } as (typeof visit)[number];
  await deliver([...visit, engagement]);
  await deliver(visitAndIdentify(shop, partner, kept));
  await flushCounter(shop.id);
  const exported = await api("GET", `/people/${erased}/export`);
  const visitorId: string = exported.body.export.organizations[0].visitorId;
  const stored = visitorId.slice("vis_".length);
  const { seq } = (await (
    await tenantOfOrganization(shop.id)
  ).DB.prepare("SELECT seq FROM visitors WHERE id = ?")
    .bind(stored)
    .first<{ seq: number }>())!;
  return { api, partner, shop, erased, kept, visitorId, stored, seq };
}

describe("erasing a visitor", () => {
  it("leaves nothing of it in any D1 table but the audit entry, and keeps its charge's amount without it", async () => {
    const { api, shop, erased, visitorId, stored, seq } = await identifiedTwice();
    const before = await tablesMentioning(stored, seq);
    expect(Object.keys(before)).toEqual(
      expect.arrayContaining([
        "visitors",
        "visitor_search_docsize",
        "sessions",
        "page_views",
        "charges",
        "ledger_entries",
        "device_days",
        "webhook_deliveries",
      ]),
    );

    const res = await api("DELETE", `/organizations/${shop.id}/visitors/${visitorId}`);
    expect(res.status, res.text).toBe(204);

    const after = await tablesMentioning(stored, seq);
    expect(Object.keys(after)).toEqual(["audit_log"]);
    expect(after.audit_log).toEqual([
      expect.objectContaining({ action: "visitor.erased", organization_id: shop.id, actor_type: "api_key" }),
    ]);

    const visitors = await api("GET", `/organizations/${shop.id}/visitors`);
    expect(visitors.body.visitors.map((v: { person: { name: string } }) => v.person.name)).toEqual(["Kept Person"]);
    expect(visitors.body.total).toBe(1);
    const receipts = await api("GET", `/organizations/${shop.id}/receipts`);
    expect(receipts.body.total).toBe(2);
    expect(receipts.body.receipts.filter((r: { visitorId: string | null }) => r.visitorId === null)).toEqual([
      expect.objectContaining({ credits: 1, identity: null, identityType: "person" }),
    ]);
    const debits = await api("GET", `/organizations/${shop.id}/ledger?kind=debit`);
    expect(debits.body.entries.map((e: { credits: number }) => e.credits)).toEqual([-1, -1]);
    expect(debits.body.entries.filter((e: { identity: string | null }) => e.identity === null)).toHaveLength(1);
    expect((await api("GET", `/organizations/${shop.id}`)).body.organization.creditsUsed).toBe(2);
    expect((await api("GET", `/people/${erased}/export`)).body.export.organizations).toEqual([]);
    const log = await api("GET", `/audit-log?action=visitor.erased`);
    expect(log.body.entries).toEqual([expect.objectContaining({ details: { visitorId } })]);
  });

  it("makes the credit counter forget it, and a visit of the same person in the same period is not charged again", async () => {
    const { api, partner } = await newPartner();
    const shop = await b2cOrganization(api);
    const person = await importedPerson();
    await deliver(visitAndIdentify(shop, partner, person));
    const visitorId: string = (await api("GET", `/people/${person}/export`)).body.export.organizations[0].visitorId;
    // Not mirrored yet: the counter holds the charge and its ledger entry (with its outbox row).
    expect(Object.keys(await counterTablesMentioning(shop.id, visitorId)).sort()).toEqual(["charged", "ledger"]);

    expect((await api("DELETE", `/organizations/${shop.id}/visitors/${visitorId}`)).status).toBe(204);
    expect(await counterTablesMentioning(shop.id, visitorId)).toEqual({});
    await flushCounter(shop.id);
    const debits = await api("GET", `/organizations/${shop.id}/ledger?kind=debit`);
    expect(debits.body.entries).toEqual([expect.objectContaining({ credits: -1, identity: null })]);
    // The operator refunds the debit: the refund carries no identity either.
    const refund = await admin("POST", `/partners/${partner.id}/credits/adjust`, {
      organizationId: shop.id,
      refundEventId: debits.body.entries[0].eventId,
      reason: "test",
    });
    expect(refund.status, refund.text).toBe(200);
    expect(refund.body.entry).toMatchObject({ kind: "refund", credits: 1, identity: null });

    await deliver(visitAndIdentify(shop, partner, person));
    await flushCounter(shop.id);
    expect((await api("GET", `/organizations/${shop.id}/receipts`)).body.total).toBe(1);
    expect((await api("GET", `/organizations/${shop.id}/ledger?kind=debit`)).body.entries).toHaveLength(1);
    expect((await api("GET", `/organizations/${shop.id}/visitors`)).body.total).toBe(1);
  });

  it("answers 404 for an unknown visitor, one already erased, and another partner's", async () => {
    const { api, shop, visitorId } = await identifiedTwice();
    const stranger = await newPartner();
    const strangerShop = await b2cOrganization(stranger.api);
    expectEnvelope(await stranger.api("DELETE", `/organizations/${shop.id}/visitors/${visitorId}`), 404, "NotFound");
    expectEnvelope(
      await stranger.api("DELETE", `/organizations/${strangerShop.id}/visitors/${visitorId}`),
      404,
      "NotFound",
    );
    expectEnvelope(await api("DELETE", `/organizations/${shop.id}/visitors/vis_AAAAAAAAAAA`), 404, "NotFound");
    expectEnvelope(await api("DELETE", `/organizations/${shop.id}/visitors/not-a-visitor`), 404, "NotFound");
    expect((await api("DELETE", `/organizations/${shop.id}/visitors/${visitorId}`)).status).toBe(204);
    expectEnvelope(await api("DELETE", `/organizations/${shop.id}/visitors/${visitorId}`), 404, "NotFound");
  });
});
