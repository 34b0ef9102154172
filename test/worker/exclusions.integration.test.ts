import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ExclusionRules, parseExclusions } from "../../worker/exclusions/rules";
import { expectEnvelope } from "./support/api";
import { importCompany, newOrganization, tenantOfOrganization } from "./support/partners";
import { freshIp, pageView, sendHit } from "./support/hits";
import { waitForReceipts } from "./support/receipts";

/**
 * Exclusions: a client's own offices and its competitors are never identified or charged, and
 * their hits are counted as `excluded`.
 */

const credits = async (api: Awaited<ReturnType<typeof newOrganization>>["api"], id: string) =>
  (await api("GET", `/organizations/${id}`)).body.organization as { creditsUsed: number; creditsAvailable: number };

describe("exclusions through the partner API", () => {
  it("start empty, are replaced by PUT, normalized and deduplicated", async () => {
    const { api, organization } = await newOrganization();
    const path = `/organizations/${organization.id}/exclusions`;
    expect((await api("GET", path)).body).toEqual({
      organizationId: organization.id,
      domains: [],
      ipRanges: [],
      updatedAt: null,
    });
    const put = await api("PUT", path, {
      domains: [" Rival.Example ", "*.rival.example", "office.client.example."],
      ipRanges: ["203.0.113.77/24", "2001:DB8::1/48", "198.51.100.9"],
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body).toMatchObject({
      domains: ["rival.example", "office.client.example"],
      ipRanges: ["203.0.113.0/24", "2001:db8::/48", "198.51.100.9/32"],
      updatedAt: expect.any(String),
    });
    expect((await api("GET", path)).body).toEqual(put.body);
    const cleared = await api("PUT", path, { domains: [], ipRanges: [] });
    expect(cleared.body).toMatchObject({ domains: [], ipRanges: [] });
    const log = await api("GET", `/audit-log?organizationId=${organization.id}&action=exclusions.updated`);
    expect(log.body.total).toBe(2);
  });

  it("refuse what is not a domain or a range, each named in details, and keep what was there", async () => {
    const { api, organization } = await newOrganization();
    const path = `/organizations/${organization.id}/exclusions`;
    await api("PUT", path, { domains: ["keep.example"], ipRanges: [] });
    const res = await api("PUT", path, {
      domains: ["https://rival.example/page", "localhost"],
      ipRanges: ["10.0.0.0/33", "0.0.0.0/0", "not-an-ip"],
    });
    expectEnvelope(res, 400, "BadRequest");
    expect(res.body.details.map((d: { field: string }) => d.field)).toEqual([
      "domains.0",
      "domains.1",
      "ipRanges.0",
      "ipRanges.1",
      "ipRanges.2",
    ]);
    expectEnvelope(await api("PUT", path, { domains: ["a.example"] }), 400, "BadRequest");
    expect((await api("GET", path)).body.domains).toEqual(["keep.example"]);
  });
});

describe("an excluded visitor", () => {
  it("from an excluded address is not identified and not charged, and is counted as excluded", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`, "Own Office Inc");
    await api("PUT", `/organizations/${organization.id}/exclusions`, { domains: [], ipRanges: [`${ip}/32`] });
    await sendHit(pageView(pixelKey, "https://client.example/"), { ip });
    const [receipt] = await waitForReceipts(organization.id, 1);
    expect(receipt).toMatchObject({ reason: "excluded", credits: 0, identity_key: null });
    expect(await credits(api, organization.id)).toMatchObject({ creditsUsed: 0, creditsAvailable: 100 });
    expect((await api("GET", `/organizations/${organization.id}/visitors`)).body.total).toBe(0);
    const listed = await api("GET", `/organizations/${organization.id}/receipts?reason=excluded`);
    expect(listed.body).toMatchObject({ receipts: [], total: 0 }); // no charge, no receipt: a count
    expect(listed.body.counts.byReason.excluded).toBe(1);
  });

  it("identified as a company of an excluded domain is not charged; other companies still are", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const rivalIp = freshIp();
    const otherIp = freshIp();
    const rival = await importCompany(`${rivalIp}/32`, "Rival Corp");
    await importCompany(`${otherIp}/32`, "Prospect Ltd");
    await api("PUT", `/organizations/${organization.id}/exclusions`, { domains: [rival], ipRanges: [] });
    await sendHit(pageView(pixelKey), { ip: rivalIp });
    await sendHit(pageView(pixelKey), { ip: otherIp });
    const receipts = await waitForReceipts(organization.id, 2);
    expect(receipts.map((r) => r.reason).sort()).toEqual(["charged", "excluded"]);
    expect(await credits(api, organization.id)).toMatchObject({ creditsUsed: 1 });
    const visitors = (await api("GET", `/organizations/${organization.id}/visitors`)).body.visitors;
    expect(visitors.map((v: { company: { name: string } }) => v.company.name)).toEqual(["Prospect Ltd"]);
  });

  it("of one organization is still identified and charged for another organization of the partner", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const other = await api("POST", "/organizations", { name: "Second client", tier: "paid", initialCredits: 10 });
    const otherPixel = (await api("GET", `/organizations/${other.body.organization.id}/pixel`)).body.pixel.apiKey;
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    await api("PUT", `/organizations/${organization.id}/exclusions`, { domains: [], ipRanges: [`${ip}/32`] });
    await sendHit(pageView(pixelKey), { ip });
    await sendHit(pageView(otherPixel), { ip });
    expect((await waitForReceipts(organization.id, 1))[0]!.reason).toBe("excluded");
    expect((await waitForReceipts(other.body.organization.id, 1))[0]!.reason).toBe("charged");
  });

  it("shows in the usage roll-up as an event but not as an identification", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    await api("PUT", `/organizations/${organization.id}/exclusions`, { domains: [], ipRanges: [`${ip}/32`] });
    await sendHit(pageView(pixelKey), { ip });
    await waitForReceipts(organization.id, 1);
    const row = await (
      await tenantOfOrganization(organization.id)
    ).DB.prepare(
      "SELECT sum(events) AS events, sum(identifications) AS identifications, sum(credits) AS credits FROM usage_daily WHERE organization_id = ?",
    )
      .bind(organization.id)
      .first();
    expect(row).toEqual({ events: 1, identifications: 0, credits: 0 });
  });
});

describe("exclusion rules", () => {
  it("match an address inside a range of either family, and a domain or its subdomains only", () => {
    const parsed = parseExclusions({ domains: ["rival.example"], ipRanges: ["203.0.113.0/24", "2001:db8::/32"] });
    expect(parsed.ok).toBe(true);
    const rules = new ExclusionRules(parsed.ok ? parsed.value : { domains: [], ipRanges: [] });
    expect(rules.coversAddress("203.0.113.200")).toBe(true);
    expect(rules.coversAddress("203.0.114.1")).toBe(false);
    expect(rules.coversAddress("2001:db8:1::5")).toBe(true);
    expect(rules.coversAddress("::ffff:203.0.113.5")).toBe(true);
    expect(rules.coversAddress(null)).toBe(false);
    expect(rules.coversDomain("rival.example")).toBe(true);
    expect(rules.coversDomain("eu.rival.example")).toBe(true);
    expect(rules.coversDomain("notrival.example")).toBe(false);
  });
});
