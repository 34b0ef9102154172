import { env } from "cloudflare:workers";
import { delay, http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { httpProviderIdentifier } from "../../worker/identify/http-provider";
import { firstMatch } from "../../worker/identify/identifier";
import { ipRangeIdentifier } from "../../worker/identify/ip-ranges";
import { importCompany, newOrganization } from "./support/partners";
import { accepted, deliver } from "./support/hits";
import { receipts } from "./support/receipts";
import { interceptNetwork } from "./support/network";

const network = interceptNetwork();
const PROVIDER = "https://provider.test/v1/lookup";

/** A licensed provider that knows one address; counts the calls it gets. */
function providerKnows(ip: string, company: Record<string, string>) {
  const calls: string[] = [];
  network.use(
    http.get(PROVIDER, ({ request }) => {
      const asked = new URL(request.url).searchParams.get("ip")!;
      calls.push(`${asked} ${request.headers.get("authorization")}`);
      return HttpResponse.json({ company: asked === ip ? company : null });
    }),
  );
  return calls;
}

describe("identification through a licensed provider", () => {
  it("stores the provider's company and answers repeat addresses from the cache", async () => {
    const ip = "198.51.100.77";
    const domain = `provider-${crypto.randomUUID().slice(0, 8)}.example`;
    const calls = providerKnows(ip, { name: "Provided Inc", domain, industry: "Retail" });
    const provider = httpProviderIdentifier(env.CATALOG, PROVIDER, "secret-token");
    const input = { ip, emailSha256: null, productType: "B2B" as const };

    const [first] = await provider.identify([input]);
    expect(first).toMatchObject({ type: "company", key: expect.stringMatching(/^company:/) });
    const stored = await env.CATALOG.prepare("SELECT id, name, industry FROM companies WHERE domain = ?")
      .bind(domain)
      .first();
    expect(stored).toMatchObject({ name: "Provided Inc", industry: "Retail" });
    expect(first!.companyId).toBe(stored!.id);

    const [again] = await provider.identify([input]);
    expect(again).toEqual(first);
    expect(calls).toEqual([`${ip} Bearer secret-token`]);
  });

  it("leaves a visitor unidentified when the provider fails, instead of failing the batch", async () => {
    network.use(http.get(PROVIDER, () => new HttpResponse(null, { status: 503 })));
    const provider = httpProviderIdentifier(env.CATALOG, PROVIDER, undefined);
    expect(await provider.identify([{ ip: "198.51.100.200", emailSha256: null, productType: "B2B" }])).toEqual([null]);
  });

  it("asks the provider only about addresses the imported ranges do not cover", async () => {
    const imported = "198.51.100.10";
    await importCompany(`${imported}/32`, "Imported Co");
    const calls = providerKnows("198.51.100.11", {
      name: "Provided Two",
      domain: `p2-${crypto.randomUUID().slice(0, 8)}.example`,
    });
    const chain = firstMatch([
      ipRangeIdentifier(env.CATALOG),
      httpProviderIdentifier(env.CATALOG, PROVIDER, undefined),
    ]);
    const results = await chain.identify([
      { ip: imported, emailSha256: null, productType: "B2B" },
      { ip: "198.51.100.11", emailSha256: null, productType: "B2B" },
      { ip: "198.51.100.12", emailSha256: null, productType: "B2B" },
    ]);
    expect(results.map((r) => r?.type ?? null)).toEqual(["company", "company", null]);
    expect(calls.map((c) => c.split(" ")[0])).toEqual(["198.51.100.11", "198.51.100.12"]);
  });

  it("L8: gives up on a provider that does not answer in time, and does not ask again for a while", async () => {
    const calls: string[] = [];
    network.use(
      http.get(PROVIDER, async ({ request }) => {
        calls.push(new URL(request.url).searchParams.get("ip")!);
        await delay(30_000);
        return HttpResponse.json({ company: null });
      }),
    );
    const provider = httpProviderIdentifier(env.CATALOG, PROVIDER, undefined, { timeoutMs: 300 });
    const input = { ip: "198.51.100.201", emailSha256: null, productType: "B2B" as const };
    const started = Date.now();
    expect(await provider.identify([input])).toEqual([null]);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await provider.identify([input])).toEqual([null]);
    expect(calls).toEqual(["198.51.100.201"]);
  });

  it("L8: remembers a failed lookup instead of calling the provider on every hit", async () => {
    const calls: string[] = [];
    network.use(
      http.get(PROVIDER, ({ request }) => {
        calls.push(new URL(request.url).searchParams.get("ip")!);
        return new HttpResponse(null, { status: 503 });
      }),
    );
    const provider = httpProviderIdentifier(env.CATALOG, PROVIDER, undefined);
    const input = { ip: "198.51.100.202", emailSha256: null, productType: "B2B" as const };
    for (let i = 0; i < 3; i++) expect(await provider.identify([input])).toEqual([null]);
    expect(calls).toHaveLength(1);
  });

  it("L8: asks once per IPv6 /64, so a visitor rotating addresses within it costs one call", async () => {
    const domain = `v6-${crypto.randomUUID().slice(0, 8)}.example`;
    const calls = providerKnows("2001:db8:77:1::1", { name: "Six Inc", domain });
    const provider = httpProviderIdentifier(env.CATALOG, PROVIDER, undefined);
    const [first] = await provider.identify([{ ip: "2001:db8:77:1::1", emailSha256: null, productType: "B2B" }]);
    const [second] = await provider.identify([
      { ip: "2001:db8:77:1:abcd:ef01:2345:6789", emailSha256: null, productType: "B2B" },
    ]);
    expect(second).toEqual(first);
    expect(first).toMatchObject({ type: "company" });
    expect(calls).toHaveLength(1);
  });

  it("L8: stores nothing the import's rules would refuse", async () => {
    const calls = providerKnows("198.51.100.203", { name: "Bad Domain Ltd", domain: "not a domain" });
    const provider = httpProviderIdentifier(env.CATALOG, PROVIDER, undefined);
    expect(await provider.identify([{ ip: "198.51.100.203", emailSha256: null, productType: "B2B" }])).toEqual([null]);
    expect(calls).toHaveLength(1);
    expect(await env.CATALOG.prepare("SELECT 1 FROM companies WHERE name = 'Bad Domain Ltd'").first()).toBeNull();
  });

  it("never sends an address the organization excluded to the provider, nor identifies one an imported range knows", async () => {
    const { api, organization, partner, pixelKey } = await newOrganization();
    const [office, imported, other] = ["198.51.100.210", "198.51.100.211", "198.51.100.212"];
    await importCompany(`${imported}/32`);
    const calls = providerKnows(office, {
      name: "Office Inc",
      domain: `office-${crypto.randomUUID().slice(0, 8)}.example`,
    });
    await api("PUT", `/organizations/${organization.id}/exclusions`, {
      domains: [],
      ipRanges: [`${office}/32`, `${imported}/32`],
    });
    const withProvider = { ...env, IDENTIFY_PROVIDER_URL: PROVIDER };
    const now = Date.now();
    await deliver(
      [office, imported, other].map((ip, i) => accepted(organization.id, partner, pixelKey, ip, now + i)),
      { env: withProvider },
    );
    expect(calls.map((c) => c.split(" ")[0])).toEqual([other]);
    expect((await receipts(organization.id)).map((r) => r.reason).sort()).toEqual([
      "excluded",
      "excluded",
      "not_identified",
    ]);
  });
});
