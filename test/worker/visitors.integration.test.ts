import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { expectEnvelope } from "./support/api";
import { newOrganization, tenantOfOrganization } from "./support/partners";
import { seedVisitors } from "./support/visitors";

const now = Math.floor(Date.now() / 1000);

describe("the visitors list", () => {
  it("M8: finds visitors by words of the company's name or domain through the search index, counting only matches", async () => {
    const { api, organization } = await newOrganization();
    await seedVisitors(organization.id, [
      { name: "Acme Corp", domain: "acme-corp.example", lastSeen: now - 10 },
      { name: "Beta Health", domain: "beta-health.example", lastSeen: now - 20 },
      { name: "Corpus Labs", domain: "corpus.example", lastSeen: now - 30 },
      { name: "Jane Doe", type: "person", lastSeen: now - 40 },
    ]);
    const names = async (search: string) => {
      const res = await api("GET", `/organizations/${organization.id}/visitors?search=${encodeURIComponent(search)}`);
      expect(res.status, res.text).toBe(200);
      return {
        names: res.body.visitors.map(
          (v: { company: { name: string } | null; person: { name: string } | null }) => (v.company ?? v.person)!.name,
        ),
        total: res.body.total,
      };
    };
    expect(await names("acm")).toEqual({ names: ["Acme Corp"], total: 1 });
    expect(await names("CORP")).toEqual({ names: ["Acme Corp", "Corpus Labs"], total: 2 });
    expect(await names("health")).toEqual({ names: ["Beta Health"], total: 1 });
    expect(await names("beta-health.example")).toEqual({ names: ["Beta Health"], total: 1 });
    expect(await names("jane")).toEqual({ names: ["Jane Doe"], total: 1 });
    expect(await names("zzz")).toEqual({ names: [], total: 0 });
    expect(await names("!!")).toEqual({ names: [], total: 0 });
    // Another organization's visitors never match.
    const other = await newOrganization();
    await seedVisitors(other.organization.id, [{ name: "Acme Elsewhere", lastSeen: now }]);
    expect(await names("acme")).toEqual({ names: ["Acme Corp"], total: 1 });

    // The search reads the index, not the organization's visitors one by one.
    const { results } = await (
      await tenantOfOrganization(organization.id)
    ).DB.prepare(
      `EXPLAIN QUERY PLAN SELECT v.seq FROM visitors v WHERE v.org = 1 AND v.seq IN
         (SELECT rowid FROM visitor_search WHERE visitor_search MATCH '"k1zacme"*') ORDER BY v.last_seen DESC`,
    ).all<{ detail: string }>();
    expect(results.map((r) => r.detail).join("\n")).toMatch(/VIRTUAL TABLE INDEX/);
  });

  it(
    "lists a search matching more visitors than the search index leads for, most recently seen first, with its total",
    { timeout: 30_000 },
    async () => {
      const { api, organization } = await newOrganization();
      await seedVisitors(
        organization.id,
        Array.from({ length: 2_400 }, (_, i) => ({ name: `${i % 2 ? "Common" : "Rare"} ${i}`, lastSeen: now - i })),
      );
      const base = `/organizations/${organization.id}/visitors?pageSize=5&search=common`;
      const first = await api("GET", base);
      expect(first.status, first.text).toBe(200);
      expect(first.body.total).toBe(1_200);
      expect(first.body.visitors.map((v: { company: { name: string } }) => v.company.name)).toEqual([
        "Common 1",
        "Common 3",
        "Common 5",
        "Common 7",
        "Common 9",
      ]);
      const next = await api("GET", `${base}&cursor=${first.body.nextCursor}`);
      expect(next.body.visitors[0].company.name).toBe("Common 11");
    },
  );

  it("pages the same visitors by cursor as by page number, most recently seen first", async () => {
    const { api, organization } = await newOrganization();
    await seedVisitors(
      organization.id,
      Array.from({ length: 7 }, (_, i) => ({ name: `Company ${i}`, lastSeen: now - (i % 3) * 60 })),
    );
    const base = `/organizations/${organization.id}/visitors?pageSize=3`;
    const byPage = [];
    for (let page = 1; page <= 3; page++) byPage.push(...(await api("GET", `${base}&page=${page}`)).body.visitors);
    const byCursor = [];
    let cursor: string | null = null;
    do {
      const res = await api("GET", cursor ? `${base}&cursor=${cursor}` : base);
      expect(res.body.total).toBe(7);
      byCursor.push(...res.body.visitors);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(byCursor.map((v) => v.id)).toEqual(byPage.map((v) => v.id));
    expect(new Set(byCursor.map((v) => v.id)).size).toBe(7);
    const seen = byCursor.map((v) => v.lastSeenAt);
    expect(seen).toEqual([...seen].sort().reverse());
    expectEnvelope(await api("GET", `${base}&cursor=WzEsMl0x`), 400, "BadRequest");
  });
});
