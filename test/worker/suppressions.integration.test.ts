import { describe, expect, it } from "vitest";
import { b2cOrganization, importedPerson, visitAndIdentify } from "./support/people";
import { asPartner, expectEnvelope } from "./support/api";
import { newPartner } from "./support/partners";
import { deliver } from "./support/hits";
import { receipts } from "./support/receipts";

/**
 * Suppressions: a person a partner suppressed (by email hash) is never identified or charged again
 * in any of its organizations; their hits are counted as `suppressed`.
 */

type Api = ReturnType<typeof asPartner>;

const creditsUsed = async (api: Api, organizationId: string) =>
  (await api("GET", `/organizations/${organizationId}`)).body.organization.creditsUsed as number;
const visitorCount = async (api: Api, organizationId: string) =>
  (await api("GET", `/organizations/${organizationId}/visitors`)).body.total as number;
const reasons = async (organizationId: string) => (await receipts(organizationId)).map((r) => r.reason);

describe("suppressions through the partner API", () => {
  it("are created once (201, then 200 with the same one), listed newest first with cursors, and lifted", async () => {
    const { api } = await newPartner();
    const [first, second, third] = [await importedPerson(), await importedPerson(), await importedPerson()];
    const created = await api("POST", "/suppressions", { emailSha256: first });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toEqual({ suppression: { emailSha256: first, createdAt: expect.any(String) } });
    const again = await api("POST", "/suppressions", { emailSha256: first });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(created.body);
    await api("POST", "/suppressions", { emailSha256: second });
    await api("POST", "/suppressions", { emailSha256: third });

    const page1 = await api("GET", "/suppressions?pageSize=2");
    expect(page1.status, page1.text).toBe(200);
    expect(page1.body).toMatchObject({ total: 3, page: 1, pageSize: 2, nextCursor: expect.any(String) });
    const page2 = await api("GET", `/suppressions?pageSize=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.nextCursor).toBeNull();
    const listed = [...page1.body.suppressions, ...page2.body.suppressions].map(
      (s: { emailSha256: string }) => s.emailSha256,
    );
    expect(listed.sort()).toEqual([first, second, third].sort());
    expect((await api("GET", "/suppressions?page=2&pageSize=2")).body.suppressions).toEqual(page2.body.suppressions);

    expect((await api("DELETE", `/suppressions/${second}`)).status).toBe(204);
    expectEnvelope(await api("DELETE", `/suppressions/${second}`), 404, "NotFound");
    expect((await api("GET", "/suppressions")).body.total).toBe(2);
  });

  it("refuse what is not a lowercase SHA-256 hex, in the error envelope naming the field", async () => {
    const { api } = await newPartner();
    const hash = await importedPerson();
    for (const emailSha256 of [hash.toUpperCase(), hash.slice(1), "someone@example.com", 42]) {
      const res = await api("POST", "/suppressions", { emailSha256 });
      expectEnvelope(res, 400, "BadRequest");
      expect(res.body.details).toEqual([{ field: "emailSha256", message: expect.any(String) }]);
    }
    expectEnvelope(await api("POST", "/suppressions", {}), 400, "BadRequest");
    expectEnvelope(await api("DELETE", "/suppressions/not-a-hash"), 400, "BadRequest");
    expectEnvelope(await api("GET", "/suppressions?cursor=bm9wZQ"), 400, "BadRequest");
    expect((await api("GET", "/suppressions")).body.total).toBe(0);
  });

  it("need the write scope to change, read to list", async () => {
    const { api } = await newPartner();
    const issued = await api("POST", "/api-keys", { name: "reader", scopes: ["read"] });
    expect(issued.status, issued.text).toBe(201);
    const reader = asPartner(issued.body.plainKey);
    const hash = await importedPerson();
    expectEnvelope(await reader("POST", "/suppressions", { emailSha256: hash }), 403, "Forbidden");
    expect((await reader("GET", "/suppressions")).status).toBe(200);
  });
});

describe("a suppressed person", () => {
  it("is neither charged nor stored as a visitor in any organization of the partner, and counts as suppressed", async () => {
    const { api, partner } = await newPartner();
    const [shop, outlet] = [await b2cOrganization(api, "Shop"), await b2cOrganization(api, "Outlet")];
    const hash = await importedPerson();
    expect((await api("POST", "/suppressions", { emailSha256: hash })).status).toBe(201);

    await deliver([...visitAndIdentify(shop, partner, hash), ...visitAndIdentify(outlet, partner, hash)]);
    for (const organization of [shop, outlet]) {
      expect(await creditsUsed(api, organization.id)).toBe(0);
      expect(await visitorCount(api, organization.id)).toBe(0);
      // The page view before identify() was anonymous; the identify call is the suppressed person's.
      expect(await reasons(organization.id)).toEqual(["not_identified", "suppressed"]);
      const outcomes = await api("GET", `/organizations/${organization.id}/receipts`);
      expect(outcomes.body).toMatchObject({ receipts: [], total: 0 });
      expect(outcomes.body.counts.byReason).toMatchObject({ suppressed: 1, charged: 0 });
    }
  });

  it("of another partner is still identified and charged", async () => {
    const other = await newPartner();
    const { api, partner } = await newPartner();
    const shop = await b2cOrganization(api);
    const hash = await importedPerson();
    expect((await other.api("POST", "/suppressions", { emailSha256: hash })).status).toBe(201);

    await deliver(visitAndIdentify(shop, partner, hash));
    expect(await creditsUsed(api, shop.id)).toBe(1);
    expect(await visitorCount(api, shop.id)).toBe(1);
    expect((await reasons(shop.id)).sort()).toEqual(["charged", "not_identified"]);
    expectEnvelope(await api("DELETE", `/suppressions/${hash}`), 404, "NotFound");
  });

  it("is charged and stored again once the suppression is lifted", async () => {
    const { api, partner } = await newPartner();
    const shop = await b2cOrganization(api);
    const hash = await importedPerson("Lifted Person");
    await api("POST", "/suppressions", { emailSha256: hash });
    await deliver(visitAndIdentify(shop, partner, hash));
    expect(await creditsUsed(api, shop.id)).toBe(0);

    expect((await api("DELETE", `/suppressions/${hash}`)).status).toBe(204);
    await deliver(visitAndIdentify(shop, partner, hash, { path: "/checkout" }));
    expect(await creditsUsed(api, shop.id)).toBe(1);
    const { body } = await api("GET", `/organizations/${shop.id}/visitors`);
    expect(body.visitors).toHaveLength(1);
    expect(body.visitors[0]).toMatchObject({ type: "person", person: { name: "Lifted Person" } });
    expect((await reasons(shop.id)).sort()).toEqual(["charged", "not_identified", "not_identified", "suppressed"]);
  });
});
