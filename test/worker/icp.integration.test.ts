import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { rescoreIcpPage } from "../../worker/icp/rescore";
import { ICP_CONFIG } from "./support/openapi-operations";
import { admin, asPartner, expectEnvelope } from "./support/api";
import { importCompany, newOrganization, newPartner, tenantOfOrganization } from "./support/partners";
import { freshIp, pageView, sendHit } from "./support/hits";
import { waitForReceipts } from "./support/receipts";
import { seedVisitors } from "./support/visitors";

type Api = Awaited<ReturnType<typeof newPartner>>["api"];

const softwareInUs = ICP_CONFIG;

async function visitorsOf(api: Api, organizationId: string, query = "") {
  const res = await api("GET", `/organizations/${organizationId}/visitors${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body as {
    visitors: { id: string; company: { domain: string } | null; icp: Record<string, unknown> }[];
    total: number;
  };
}

/** Waits until the organization's visitors show the expected ICP results (the consumer or the jobs queue wrote them). */
async function waitForIcp(
  api: Api,
  organizationId: string,
  check: (visitors: { company: { domain: string } | null; icp: Record<string, unknown> }[]) => void,
) {
  return vi.waitFor(
    async () => {
      const { visitors } = await visitorsOf(api, organizationId);
      check(visitors);
      return visitors;
    },
    { timeout: 15_000, interval: 100 },
  );
}

async function identifiedVisitor(
  pixelKey: string,
  organizationId: string,
  url = "https://client.example/",
  receiptsSoFar = 0,
) {
  const ip = freshIp();
  const domain = await importCompany(`${ip}/32`);
  await sendHit(pageView(pixelKey, url), { ip });
  await waitForReceipts(organizationId, receiptsSoFar + 1);
  return { ip, domain };
}

describe("partner API: ICP configs", () => {
  it("creates, reads, lists in priority order, changes and deletes configs", async () => {
    const { api, organization } = await newOrganization();
    const base = `/organizations/${organization.id}/icp-configs`;
    const created = await api("POST", base, softwareInUs);
    expect(created.status, created.text).toBe(201);
    const config = created.body.icpConfig;
    expect(config).toMatchObject({
      id: expect.stringMatching(/^icp_/),
      name: "Software in the US",
      priority: 100,
      enabled: true,
    });
    expect(config.groups[0].conditions[0]).toEqual({
      type: "industry",
      comparator: "eq",
      value: "Software",
      optional: false,
    });
    expect(config.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect((await api("GET", `${base}/${config.id}`)).body.icpConfig).toEqual(config);

    const first = (await api("POST", base, { ...softwareInUs, name: "First", priority: 1 })).body.icpConfig;
    const list = await api("GET", base);
    expect(list.body).toMatchObject({ total: 2, page: 1, pageSize: 20 });
    expect(list.body.icpConfigs.map((c: { id: string }) => c.id)).toEqual([first.id, config.id]);

    const changed = await api("PUT", `${base}/${config.id}`, { name: "Renamed", enabled: false });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.icpConfig).toMatchObject({
      name: "Renamed",
      enabled: false,
      priority: 100,
      groups: config.groups,
    });

    const deleted = await api("DELETE", `${base}/${config.id}`);
    expect(deleted.status).toBe(204);
    expectEnvelope(await api("GET", `${base}/${config.id}`), 404, "NotFound");
    expect((await api("GET", base)).body.total).toBe(1);
  });

  it("validates conditions and names each bad field", async () => {
    const { api, organization } = await newOrganization();
    const res = await api("POST", `/organizations/${organization.id}/icp-configs`, {
      name: "",
      groups: [
        {
          operator: "XOR",
          conditions: [
            { type: "industry", comparator: "in", value: "Software" },
            { type: "page_view_count", comparator: "contains", value: 3 },
            { type: "session_count", comparator: "gte", value: "3" },
          ],
        },
      ],
    });
    expectEnvelope(res, 400, "BadRequest");
    const fields = res.body.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "name",
        "groups.0.operator",
        "groups.0.conditions.0.value",
        "groups.0.conditions.1.comparator",
        "groups.0.conditions.2.value",
      ]),
    );
    const noGroups = await api("POST", `/organizations/${organization.id}/icp-configs`, { name: "x", groups: [] });
    expectEnvelope(noGroups, 400, "BadRequest");
  });

  it("limits an organization to 50 configs", async () => {
    const { api, organization } = await newOrganization();
    const base = `/organizations/${organization.id}/icp-configs`;
    for (let i = 0; i < 50; i++) expect((await api("POST", base, softwareInUs)).status).toBe(201);
    const res = await api("POST", base, softwareInUs);
    expectEnvelope(res, 422, "UnprocessableEntity");
    expect(res.body.details).toEqual({ limit: 50 });
  });

  it("answers 404 for another partner's organization or config and changes nothing", async () => {
    const { api, organization } = await newOrganization();
    const base = `/organizations/${organization.id}/icp-configs`;
    const config = (await api("POST", base, softwareInUs)).body.icpConfig;
    const { api: intruder } = await newPartner();
    expectEnvelope(await intruder("GET", base), 404, "NotFound");
    expectEnvelope(await intruder("POST", base, softwareInUs), 404, "NotFound");
    expectEnvelope(await intruder("GET", `${base}/${config.id}`), 404, "NotFound");
    expectEnvelope(await intruder("PUT", `${base}/${config.id}`, { name: "Hacked" }), 404, "NotFound");
    expectEnvelope(await intruder("DELETE", `${base}/${config.id}`), 404, "NotFound");

    // A config is found only under its own organization, even among one partner's organizations.
    const sibling = (await api("POST", "/organizations", { name: "Sibling" })).body.organization;
    expectEnvelope(await api("GET", `/organizations/${sibling.id}/icp-configs/${config.id}`), 404, "NotFound");
    expectEnvelope(await api("DELETE", `/organizations/${sibling.id}/icp-configs/${config.id}`), 404, "NotFound");

    expect((await api("GET", `${base}/${config.id}`)).body.icpConfig).toEqual(config);
  });
});

describe("partner API: ICP config scopes", () => {
  it("lets a read key list and read configs but not change them", async () => {
    const { api, organization } = await newOrganization();
    const base = `/organizations/${organization.id}/icp-configs`;
    const config = (await api("POST", base, softwareInUs)).body.icpConfig;
    const reader = asPartner((await api("POST", "/api-keys", { name: "dashboard", scopes: ["read"] })).body.plainKey);
    expect((await reader("GET", base)).body.total).toBe(1);
    expect((await reader("GET", `${base}/${config.id}`)).status).toBe(200);
    expectEnvelope(await reader("POST", base, softwareInUs), 403, "Forbidden");
    expectEnvelope(await reader("PUT", `${base}/${config.id}`, { enabled: false }), 403, "Forbidden");
    expectEnvelope(await reader("DELETE", `${base}/${config.id}`), 403, "Forbidden");
    expect((await api("GET", `${base}/${config.id}`)).body.icpConfig.enabled).toBe(true);
  });
});

describe("ICP scoring", () => {
  it("scores a visitor identified through the pixel as soon as the consumer stores it", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const config = (await api("POST", `/organizations/${organization.id}/icp-configs`, softwareInUs)).body.icpConfig;
    await identifiedVisitor(pixelKey, organization.id, "https://client.example/");
    // Industry and country hold, the optional pricing page does not: 2 of 3.
    await waitForIcp(api, organization.id, ([visitor]) =>
      expect(visitor!.icp).toEqual({ matched: true, score: 67, configId: config.id, configName: "Software in the US" }),
    );
  });

  it("re-scores a visitor when its new page views change the result", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const config = (
      await api("POST", `/organizations/${organization.id}/icp-configs`, {
        name: "Pricing readers",
        groups: [{ operator: "AND", conditions: [{ type: "page_equals", comparator: "eq", value: "/pricing" }] }],
      })
    ).body.icpConfig;
    const { ip } = await identifiedVisitor(pixelKey, organization.id, "https://client.example/");
    await waitForIcp(api, organization.id, ([visitor]) =>
      expect(visitor!.icp).toMatchObject({ matched: false, score: 0 }),
    );

    await sendHit(pageView(pixelKey, "https://client.example/pricing"), { ip });
    await waitForIcp(api, organization.id, ([visitor]) =>
      expect(visitor!.icp).toEqual({ matched: true, score: 100, configId: config.id, configName: "Pricing readers" }),
    );
  });

  it("re-scores existing visitors in the background when a config is created, changed or deleted", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    await identifiedVisitor(pixelKey, organization.id);
    await identifiedVisitor(pixelKey, organization.id, "https://client.example/", 1);
    const base = `/organizations/${organization.id}/icp-configs`;
    expect((await visitorsOf(api, organization.id)).visitors.every((v) => v.icp.matched === false)).toBe(true);

    const config = (await api("POST", base, softwareInUs)).body.icpConfig;
    await waitForIcp(api, organization.id, (visitors) => {
      expect(visitors).toHaveLength(2);
      for (const v of visitors) expect(v.icp).toMatchObject({ matched: true, score: 67, configId: config.id });
    });

    // A higher-priority config now matches first.
    const first = (
      await api("POST", base, {
        name: "Any American",
        priority: 1,
        groups: [{ operator: "OR", conditions: [{ type: "country", comparator: "in", value: ["US", "CA"] }] }],
      })
    ).body.icpConfig;
    await waitForIcp(api, organization.id, (visitors) => {
      for (const v of visitors)
        expect(v.icp).toEqual({ matched: true, score: 100, configId: first.id, configName: "Any American" });
    });

    await api("PUT", `${base}/${first.id}`, { enabled: false });
    await waitForIcp(api, organization.id, (visitors) => {
      for (const v of visitors) expect(v.icp).toMatchObject({ matched: true, configId: config.id });
    });

    await api("PUT", `${base}/${config.id}`, {
      groups: [{ operator: "AND", conditions: [{ type: "industry", comparator: "eq", value: "Retail" }] }],
    });
    await waitForIcp(api, organization.id, (visitors) => {
      for (const v of visitors) expect(v.icp).toEqual({ matched: false, score: 0, configId: null, configName: null });
    });

    await api("PUT", `${base}/${config.id}`, { groups: softwareInUs.groups });
    await waitForIcp(api, organization.id, (visitors) => {
      for (const v of visitors) expect(v.icp).toMatchObject({ matched: true, configId: config.id });
    });
    await api("DELETE", `${base}/${config.id}`);
    await waitForIcp(api, organization.id, (visitors) => {
      for (const v of visitors) expect(v.icp).toEqual({ matched: false, score: 0, configId: null, configName: null });
    });
  }, 60_000);

  it("re-scores an organization larger than one job page, page by page", async () => {
    const { api, organization } = await newOrganization();
    const count = 620;
    const now = Math.floor(Date.now() / 1000);
    const ids = await seedVisitors(
      organization.id,
      Array.from({ length: count }, (_, i) => ({ name: `Bulk ${i}`, lastSeen: now, pageViews: i % 2 === 0 ? 5 : 1 })),
    );

    await api("POST", `/organizations/${organization.id}/icp-configs`, {
      name: "Engaged",
      groups: [{ operator: "AND", conditions: [{ type: "page_view_count", comparator: "gte", value: 5 }] }],
    });
    await vi.waitFor(
      async () => {
        const { total } = await visitorsOf(api, organization.id, "?icpOnly=true");
        expect(total).toBe(count / 2);
      },
      { timeout: 20_000, interval: 200 },
    );
    // The last page is scored too, and the others stay unmatched.
    const last = await (
      await tenantOfOrganization(organization.id)
    ).DB.prepare("SELECT icp_matched FROM visitors WHERE id = ?")
      .bind(ids[count - 2]!.slice("vis_".length))
      .first();
    expect(last).toEqual({ icp_matched: 1 });
    expect((await visitorsOf(api, organization.id, "?icpOnly=false")).total).toBe(count);
  }, 30_000);

  it("lists only matching visitors with icpOnly=true", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const wanted = await identifiedVisitor(pixelKey, organization.id);
    const ip = freshIp();
    const other = `${crypto.randomUUID().slice(0, 8)}.example`;
    const imported = await admin("POST", "/companies", [
      { name: "Shop", domain: other, industry: "Retail", country: "FR", ipRanges: [`${ip}/32`] },
    ]);
    expect(imported.status, imported.text).toBe(200);
    await sendHit(pageView(pixelKey), { ip });
    await waitForReceipts(organization.id, 2);
    await api("POST", `/organizations/${organization.id}/icp-configs`, {
      name: "That one",
      groups: [
        { operator: "AND", conditions: [{ type: "domain", comparator: "eq", value: `https://www.${wanted.domain}/` }] },
      ],
    });
    await waitForIcp(api, organization.id, (visitors) => expect(visitors.filter((v) => v.icp.matched)).toHaveLength(1));

    const only = await visitorsOf(api, organization.id, "?icpOnly=true");
    expect(only.total).toBe(1);
    expect(only.visitors.map((v) => v.company?.domain)).toEqual([wanted.domain]);
    expect((await visitorsOf(api, organization.id)).total).toBe(2);
  }, 30_000);

  it("drops a rescoring job whose config generation was superseded, leaving scores to the newer pass", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    await identifiedVisitor(pixelKey, organization.id);
    const config = (await api("POST", `/organizations/${organization.id}/icp-configs`, softwareInUs)).body.icpConfig;
    await waitForIcp(api, organization.id, ([visitor]) =>
      expect(visitor!.icp).toMatchObject({ matched: true, configId: config.id }),
    );
    const { generation } = (await (
      await tenantOfOrganization(organization.id)
    ).DB.prepare("SELECT generation FROM icp_generations WHERE organization_id = ?")
      .bind(organization.id)
      .first<{ generation: number }>())!;

    // A stale job from before the config existed would clear the match; it must do nothing.
    await (
      await tenantOfOrganization(organization.id)
    ).DB.prepare("DELETE FROM icp_configs WHERE id = ?")
      .bind(config.id)
      .run();
    await rescoreIcpPage(await tenantOfOrganization(organization.id), {
      type: "icp.rescore",
      organizationId: organization.id,
      generation: generation - 1,
      after: null,
    });
    const [visitor] = (await visitorsOf(api, organization.id)).visitors;
    expect(visitor!.icp).toMatchObject({ matched: true, configId: config.id });
  });

  it("schedules a periodic re-sweep when a config depends on how long ago a visitor was seen", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    await identifiedVisitor(pixelKey, organization.id);
    await api("POST", `/organizations/${organization.id}/icp-configs`, {
      name: "Recent",
      groups: [{ operator: "AND", conditions: [{ type: "last_seen_days", comparator: "lte", value: 7 }] }],
    });
    await waitForIcp(api, organization.id, ([visitor]) =>
      expect(visitor!.icp).toMatchObject({ matched: true, score: 100 }),
    );
    await vi.waitFor(async () => {
      const row = await (
        await tenantOfOrganization(organization.id)
      ).DB.prepare("SELECT last_sweep_at FROM icp_generations WHERE organization_id = ?")
        .bind(organization.id)
        .first<{ last_sweep_at: string | null }>();
      expect(row?.last_sweep_at).toMatch(/^\d{4}-/);
    });
  });
});
