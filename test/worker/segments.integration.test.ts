import { describe, expect, it } from "vitest";
import { VIEWED_PAGE } from "../../worker/visitors/list";
import { expectEnvelope } from "./support/api";
import { newOrganization, organizationKey, tenantOfOrganization } from "./support/partners";
import { seedVisitors } from "./support/visitors";
import { viewedPages } from "./support/page-views";
import { receiverBucket } from "../fixtures/receiver";

/**
 * Saved segments through the partner API: named filters of an organization's identified visitors,
 * and the visitors list reading them.
 */

const now = Math.floor(Date.now() / 1000);

type Owner = Awaited<ReturnType<typeof newOrganization>>;

/** Four companies, newest first, with the pages each viewed. */
async function fourCompanies(owner: Owner) {
  const ids = await seedVisitors(owner.organization.id, [
    {
      name: "Alpha Freight",
      industry: "Logistics",
      employeeRange: "51-200",
      country: "US",
      icpMatched: true,
      icpScore: 80,
      lastSeen: now - 10,
    },
    {
      name: "Beta Health",
      industry: "Healthcare",
      employeeRange: "11-50",
      country: "GB",
      icpScore: 10,
      lastSeen: now - 20,
    },
    {
      name: "Gamma Soft",
      industry: "Software",
      employeeRange: "51-200",
      country: "DE",
      icpMatched: true,
      icpScore: 90,
      lastSeen: now - 30,
    },
    {
      name: "Delta Retail",
      industry: "Retail",
      employeeRange: "1001-5000",
      country: "US",
      icpScore: 60,
      lastSeen: now - 40,
    },
  ]);
  await viewedPages(owner.organization.id, [
    [ids[0]!, ["/", "/pricing", "/pricing/teams"]],
    [ids[1]!, ["/blog/pricing-tips"]],
    [ids[2]!, ["/docs", "/docs/pricing"]],
    [ids[3]!, ["/pricing"]],
  ]);
  return ids;
}

const namesOf = (body: { visitors: { company: { name: string } }[] }) => body.visitors.map((v) => v.company.name);

describe("saved segments", () => {
  it("are saved, listed, read, changed and deleted, each change on the audit log", async () => {
    const { api, organization } = await newOrganization();
    const base = `/organizations/${organization.id}/segments`;
    const created = await api("POST", base, {
      name: "  ICP on pricing ",
      filter: { icpMatched: true, pages: ["/pricing*"], countries: ["us", "de"] },
    });
    expect(created.status, created.text).toBe(201);
    const segment = created.body.segment;
    expect(segment).toEqual({
      id: expect.stringMatching(/^seg_[0-9a-f]{32}$/),
      organizationId: organization.id,
      name: "ICP on pricing",
      filter: { icpMatched: true, pages: ["/pricing*"], countries: ["US", "DE"] },
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: expect.stringMatching(/Z$/),
    });
    expect((await api("GET", `${base}/${segment.id}`)).body).toEqual({ segment });
    const second = await api("POST", base, { name: "Everyone", filter: {} });
    expect(second.status, second.text).toBe(201);
    expect(await api("GET", base)).toMatchObject({
      status: 200,
      body: { segments: [segment, second.body.segment], total: 2, page: 1, pageSize: 20 },
    });

    const renamed = await api("PUT", `${base}/${segment.id}`, { name: "ICP on pricing, US" });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.segment).toMatchObject({ name: "ICP on pricing, US", filter: segment.filter });
    const refiltered = await api("PUT", `${base}/${segment.id}`, { filter: { minScore: 50 } });
    expect(refiltered.body.segment).toMatchObject({ name: "ICP on pricing, US", filter: { minScore: 50 } });
    expect(refiltered.body.segment.filter).toEqual({ minScore: 50 });

    expect((await api("DELETE", `${base}/${segment.id}`)).status).toBe(204);
    expectEnvelope(await api("GET", `${base}/${segment.id}`), 404, "NotFound");
    expectEnvelope(await api("PUT", `${base}/${segment.id}`, { name: "Back" }), 404, "NotFound");
    expectEnvelope(await api("DELETE", `${base}/${segment.id}`), 404, "NotFound");
    expect((await api("GET", base)).body).toMatchObject({ segments: [second.body.segment], total: 1 });

    const log = await api("GET", `/audit-log?organizationId=${organization.id}`);
    const entries = (log.body.entries as { action: string; details: unknown; actor: { type: string } }[]).filter((e) =>
      e.action.startsWith("segment."),
    );
    expect(entries.map((e) => [e.action, e.details]).reverse()).toEqual([
      ["segment.created", { segmentId: segment.id, name: "ICP on pricing" }],
      ["segment.created", { segmentId: second.body.segment.id, name: "Everyone" }],
      ["segment.updated", { segmentId: segment.id, changed: ["name"] }],
      ["segment.updated", { segmentId: segment.id, changed: ["filter"] }],
      ["segment.deleted", { segmentId: segment.id, name: "ICP on pricing, US" }],
    ]);
    expect(entries.every((e) => e.actor.type === "api_key")).toBe(true);
  });

  it("keep names unique in an organization, ignoring case (409), and at most 50 per organization (422)", async () => {
    const { api, organization } = await newOrganization();
    const base = `/organizations/${organization.id}/segments`;
    const first = await api("POST", base, { name: "Pricing", filter: {} });
    expect(first.status).toBe(201);
    expectEnvelope(await api("POST", base, { name: "pricing", filter: { minScore: 1 } }), 409, "Conflict");
    const other = await api("POST", base, { name: "Docs", filter: {} });
    expectEnvelope(await api("PUT", `${base}/${other.body.segment.id}`, { name: "PRICING" }), 409, "Conflict");
    // Another organization of the partner may use the name.
    const sibling = await api("POST", "/organizations", { name: "Sibling", tier: "paid", initialCredits: 1 });
    expect(
      (await api("POST", `/organizations/${sibling.body.organization.id}/segments`, { name: "Pricing", filter: {} }))
        .status,
    ).toBe(201);

    const created = await Promise.all(
      Array.from({ length: 52 }, (_, i) => api("POST", base, { name: `Segment ${i}`, filter: {} })),
    );
    expect(created.filter((r) => r.status === 201)).toHaveLength(48);
    const refused = created.find((r) => r.status !== 201)!;
    expectEnvelope(refused, 422, "UnprocessableEntity");
    expect(refused.body.details).toEqual({ limit: 50 });
    expect((await api("GET", `${base}?pageSize=100`)).body.total).toBe(50);
    expect(
      (await api("GET", `/audit-log?organizationId=${organization.id}&action=segment.created&pageSize=100`)).body.total,
    ).toBe(50);
  });

  it("refuse a filter they cannot hold, naming each field, and keep nothing", async () => {
    const { api, organization } = await newOrganization();
    const base = `/organizations/${organization.id}/segments`;
    for (const [filter, field] of [
      [{ industry: "Software" }, "filter"],
      [{ pages: ["pricing"] }, "filter.pages.0"],
      [{ pages: ["/pri*cing"] }, "filter.pages.0"],
      [{ countries: ["USA"] }, "filter.countries.0"],
      [{ employeeRanges: ["2-3"] }, "filter.employeeRanges.0"],
      [{ minScore: 101 }, "filter.minScore"],
      [{ industries: [] }, "filter.industries"],
    ] as const) {
      const res = await api("POST", base, { name: "Bad", filter });
      expectEnvelope(res, 400, "BadRequest");
      expect(
        res.body.details.map((d: { field: string }) => d.field),
        JSON.stringify(filter),
      ).toContain(field);
    }
    expectEnvelope(await api("POST", base, { name: " ", filter: {} }), 400, "BadRequest");
    expectEnvelope(await api("POST", base, { name: "No filter" }), 400, "BadRequest");
    expect((await api("GET", base)).body.total).toBe(0);
  });

  it("are another organization's business: its segment ids answer 404 here, like unknown ones", async () => {
    const owner = await newOrganization();
    const stranger = await newOrganization();
    const theirs = await stranger.api("POST", `/organizations/${stranger.organization.id}/segments`, {
      name: "Theirs",
      filter: {},
    });
    const path = `/organizations/${owner.organization.id}/segments/${theirs.body.segment.id}`;
    expectEnvelope(await owner.api("GET", path), 404, "NotFound");
    expectEnvelope(await owner.api("DELETE", path), 404, "NotFound");
    expectEnvelope(
      await owner.api("GET", `/organizations/${owner.organization.id}/visitors?segmentId=${theirs.body.segment.id}`),
      404,
      "NotFound",
    );
    expectEnvelope(await owner.api("GET", `/organizations/${stranger.organization.id}/segments`), 404, "NotFound");
    expect((await stranger.api("GET", `/organizations/${stranger.organization.id}/segments`)).body.total).toBe(1);
  });

  it("that an alert rule reads are not deleted: 409 names the rules", async () => {
    const { api, organization } = await newOrganization();
    const base = `/organizations/${organization.id}/segments`;
    const segment = (await api("POST", base, { name: "Watched", filter: { icpMatched: true } })).body.segment;
    const free = (await api("POST", base, { name: "Free", filter: {} })).body.segment;
    const rule = await api("POST", `/organizations/${organization.id}/alerts`, {
      name: "ICP lands on pricing",
      trigger: "identified",
      segmentId: segment.id,
      channels: [{ type: "slack", webhookUrl: receiverBucket().url("ok") }],
    });
    expect(rule.status, rule.text).toBe(201);
    const refused = await api("DELETE", `${base}/${segment.id}`);
    expectEnvelope(refused, 409, "Conflict");
    expect(refused.body.message).toContain('"ICP lands on pricing"');
    expect(refused.body.details).toEqual({
      alertRules: [{ id: expect.stringMatching(/^alr_/), name: "ICP lands on pricing" }],
      digestRecipients: [],
    });
    expect((await api("GET", `${base}/${segment.id}`)).status).toBe(200);
    expect((await api("DELETE", `${base}/${free.id}`)).status).toBe(204);
    const log = await api("GET", `/audit-log?organizationId=${organization.id}&action=segment.deleted`);
    expect(log.body.entries).toEqual([expect.objectContaining({ details: { segmentId: free.id, name: "Free" } })]);
  });
});

describe("the visitors list with a segment", () => {
  it.each([
    [{ pages: ["/pricing*"] }, ["Alpha Freight", "Delta Retail"]],
    [{ pages: ["/pricing/teams", "/docs"] }, ["Alpha Freight", "Gamma Soft"]],
    [{ pages: ["/docs/"] }, []],
    [{ countries: ["us"] }, ["Alpha Freight", "Delta Retail"]],
    [{ industries: ["software", "RETAIL"] }, ["Gamma Soft", "Delta Retail"]],
    [{ employeeRanges: ["51-200"], icpMatched: true }, ["Alpha Freight", "Gamma Soft"]],
    [{ icpMatched: false }, ["Beta Health", "Delta Retail"]],
    [{ minScore: 60 }, ["Alpha Freight", "Gamma Soft", "Delta Retail"]],
    [{ search: "gamma" }, ["Gamma Soft"]],
    [{}, ["Alpha Freight", "Beta Health", "Gamma Soft", "Delta Retail"]],
  ])("holds the visitors of %j, most recently seen first, with their count", async (filter, expected) => {
    const owner = await newOrganization();
    await fourCompanies(owner);
    const { api, organization } = owner;
    const segment = await api("POST", `/organizations/${organization.id}/segments`, { name: "S", filter });
    expect(segment.status, segment.text).toBe(201);
    const res = await api("GET", `/organizations/${organization.id}/visitors?segmentId=${segment.body.segment.id}`);
    expect(res.status, res.text).toBe(200);
    expect(namesOf(res.body)).toEqual(expected);
    expect(res.body.total).toBe(expected.length);
  });

  it("applies the segment together with the list's own filters, which also stand alone", async () => {
    const owner = await newOrganization();
    await fourCompanies(owner);
    const { api, organization } = owner;
    const list = `/organizations/${organization.id}/visitors`;
    const pricing = (
      await api("POST", `/organizations/${organization.id}/segments`, {
        name: "Pricing",
        filter: { pages: ["/pricing*"] },
      })
    ).body.segment;
    const names = async (query: string) => {
      const res = await api("GET", `${list}?${query}`);
      expect(res.status, res.text).toBe(200);
      return { names: namesOf(res.body), total: res.body.total };
    };
    expect(await names(`segmentId=${pricing.id}&search=delta`)).toEqual({ names: ["Delta Retail"], total: 1 });
    expect(await names(`segmentId=${pricing.id}&icpOnly=true`)).toEqual({ names: ["Alpha Freight"], total: 1 });
    expect(await names(`segmentId=${pricing.id}&pages=/docs*`)).toEqual({ names: [], total: 0 });
    expect(await names("countries=US&countries=de&minScore=70")).toEqual({
      names: ["Alpha Freight", "Gamma Soft"],
      total: 2,
    });
    expect(await names("employeeRanges=1001-5000")).toEqual({ names: ["Delta Retail"], total: 1 });
    expect(await names("industries=Healthcare&pages=/blog*")).toEqual({ names: ["Beta Health"], total: 1 });
    // A cursor page of a segment goes on where the previous one ended.
    const first = await api("GET", `${list}?segmentId=${pricing.id}&pageSize=1`);
    expect(namesOf(first.body)).toEqual(["Alpha Freight"]);
    const next = await api("GET", `${list}?segmentId=${pricing.id}&pageSize=1&cursor=${first.body.nextCursor}`);
    expect(namesOf(next.body)).toEqual(["Delta Retail"]);
    expect(next.body.nextCursor).toBeNull();

    for (const [query, field] of [
      ["pages=pricing", "pages.0"],
      ["countries=USA", "countries.0"],
      ["employeeRanges=2-3", "employeeRanges.0"],
      ["minScore=101", "minScore"],
    ]) {
      const res = await api("GET", `${list}?${query}`);
      expectEnvelope(res, 400, "BadRequest");
      expect(
        res.body.details.map((d: { field: string }) => d.field),
        query,
      ).toContain(field);
    }
    expectEnvelope(await api("GET", `${list}?segmentId=seg_unknown`), 404, "NotFound");
  });

  it("finds the pages a visitor viewed through its own page views (the primary key's range), never a scan", async () => {
    const owner = await newOrganization();
    await fourCompanies(owner);
    const { DB } = await tenantOfOrganization(owner.organization.id);
    const org = await organizationKey(owner.organization.id);
    const plan = async (sql: string) =>
      (
        await DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .bind(org, JSON.stringify([]), JSON.stringify(["/pricing"]))
          .all<{ detail: string }>()
      ).results
        .map((r) => r.detail)
        .join("\n");
    // The list's own condition, as its page and its count read it.
    const page = await plan(
      `SELECT v.* FROM visitors v WHERE v.org = ? AND ${VIEWED_PAGE} ORDER BY v.last_seen DESC, v.seq LIMIT 26`,
    );
    expect(page).toMatch(/SEARCH v USING INDEX visitors_by_recency \(org=\?\)/);
    expect(page).toMatch(/SEARCH pv (EXISTS )?USING PRIMARY KEY \(visitor=\?\)/);
    expect(page).not.toMatch(/SCAN (v|pv|visitors|page_views)\b/);
    expect(page).not.toMatch(/TEMP B-TREE/);
    const count = await plan(
      `SELECT count(*) FROM (SELECT 1 FROM visitors v WHERE v.org = ? AND ${VIEWED_PAGE} LIMIT 10000)`,
    );
    expect(count).toMatch(/SEARCH v USING COVERING INDEX visitors_by_recency \(org=\?\)/);
    expect(count).toMatch(/SEARCH pv (EXISTS )?USING PRIMARY KEY \(visitor=\?\)/);
  });
});
