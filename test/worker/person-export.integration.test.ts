import { describe, expect, it } from "vitest";
import { flushCounter } from "./support/counter";
import { b2cOrganization, importedPerson, visitAndIdentify } from "./support/people";
import { expectEnvelope } from "./support/api";
import { newPartner } from "./support/partners";
import { deliver, freshIp } from "./support/hits";

/** A data-subject access request: everything held about one person across a partner's organizations. */

describe("a person's export", () => {
  it("lists each organization that identified them, with their visitor, pages, engagement, receipts and debits", async () => {
    const { api, partner } = await newPartner();
    const [shop, outlet, untouched] = [
      await b2cOrganization(api, "Shop"),
      await b2cOrganization(api, "Outlet"),
      await b2cOrganization(api, "Quiet"),
    ];
    const hash = await importedPerson("Exported Person");
    const other = await importedPerson("Someone Else");
    const at = Date.now() - 600_000;
    const inShop = visitAndIdentify(shop, partner, hash, { at, path: "/pricing" });
    const engagement = {
      ...inShop[0],
      receivedAt: at + 20_000,
      hit: { k: shop.pixelKey, t: "e", i: crypto.randomUUID(), u: inShop[0]!.hit.u, p: inShop[0]!.hit.i, s: 42, d: 80 },
    } as (typeof inShop)[number];
    await deliver([...inShop, engagement]);
    await deliver(visitAndIdentify(outlet, partner, hash, { at, path: "/sale" }));
    await deliver(visitAndIdentify(shop, partner, other, { ip: freshIp() }));
    await deliver(visitAndIdentify(untouched, partner, other));
    await Promise.all([shop, outlet].map((o) => flushCounter(o.id)));

    const res = await api("GET", `/people/${hash}/export`);
    expect(res.status, res.text).toBe(200);
    const exported = res.body.export;
    expect(exported).toMatchObject({ emailSha256: hash, suppression: null });
    const names = exported.organizations.map((o: { organizationName: string }) => o.organizationName);
    expect(names.sort()).toEqual(["Outlet", "Shop"]);
    const exportOf = (id: string) =>
      exported.organizations.find((o: { organizationId: string }) => o.organizationId === id);
    const [inShopExport, inOutletExport] = [exportOf(shop.id), exportOf(outlet.id)];
    expect(inShopExport).toMatchObject({
      organizationId: shop.id,
      visitor: {
        id: inShopExport.visitorId,
        type: "person",
        person: { name: "Exported Person", jobTitle: "Buyer" },
        engagement: { sessions: 1, pageViews: 1, totalTimeSeconds: 42, avgScrollDepth: 80 },
      },
      sessions: [
        { pageViews: 1, landingPage: "/pricing", pages: [{ path: "/pricing", engagedSeconds: 42, scrollDepth: 80 }] },
      ],
      receipts: [{ reason: "charged", credits: 1, identityType: "person", visitorId: inShopExport.visitorId }],
      ledgerEntries: [{ kind: "debit", credits: -1, identity: inShopExport.visitorId }],
    });
    expect(inShopExport.receipts[0].ledgerEntryId).toBe(inShopExport.ledgerEntries[0].id);
    expect(inOutletExport).toMatchObject({
      organizationId: outlet.id,
      sessions: [{ pages: [{ path: "/sale" }] }],
      receipts: [{ credits: 1 }],
      ledgerEntries: [{ kind: "debit", credits: -1 }],
    });
    // Visitor ids are salted per organization: the same person is another visitor in each.
    expect(inOutletExport.visitorId).not.toBe(inShopExport.visitorId);
    const shopVisitors = await api("GET", `/organizations/${shop.id}/visitors`);
    expect(shopVisitors.body.visitors.map((v: { id: string }) => v.id)).toContain(inShopExport.visitorId);
    expect(JSON.stringify(exported)).not.toContain("Someone Else");

    await api("POST", "/suppressions", { emailSha256: hash });
    const suppressed = await api("GET", `/people/${hash}/export`);
    expect(suppressed.body.export.suppression).toEqual({ emailSha256: hash, createdAt: expect.any(String) });
  });

  it("of a person never seen is empty (200, not 404), and another partner's export shows nothing of ours", async () => {
    const { api, partner } = await newPartner();
    const shop = await b2cOrganization(api);
    const hash = await importedPerson();
    await deliver(visitAndIdentify(shop, partner, hash));
    const stranger = await newPartner();
    for (const [who, person] of [
      [api, await importedPerson()],
      [stranger.api, hash],
    ] as const) {
      const res = await who("GET", `/people/${person}/export`);
      expect(res.status, res.text).toBe(200);
      expect(res.body).toEqual({ export: { emailSha256: person, suppression: null, organizations: [] } });
    }
    expectEnvelope(await api("GET", `/people/${hash.toUpperCase()}/export`), 400, "BadRequest");
  });
});
