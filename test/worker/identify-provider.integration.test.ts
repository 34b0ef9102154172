import { env } from "cloudflare:workers";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import { httpProviderIdentifier } from "../../worker/identify/http-provider";
import { firstMatch } from "../../worker/identify/identifier";
import { ipRangeIdentifier } from "../../worker/identify/ip-ranges";
import { importCompany } from "./support";
import { interceptNetwork } from "./network";

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
    const provider = httpProviderIdentifier(env.DB, PROVIDER, "secret-token");
    const input = { ip, emailSha256: null, productType: "B2B" as const };

    const [first] = await provider.identify([input]);
    expect(first).toMatchObject({ type: "company", key: expect.stringMatching(/^company:/) });
    const stored = await env.DB.prepare("SELECT id, name, industry FROM companies WHERE domain = ?")
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
    const provider = httpProviderIdentifier(env.DB, PROVIDER, undefined);
    expect(await provider.identify([{ ip: "198.51.100.200", emailSha256: null, productType: "B2B" }])).toEqual([null]);
  });

  it("asks the provider only about addresses the imported ranges do not cover", async () => {
    const imported = "198.51.100.10";
    await importCompany(`${imported}/32`, "Imported Co");
    const calls = providerKnows("198.51.100.11", {
      name: "Provided Two",
      domain: `p2-${crypto.randomUUID().slice(0, 8)}.example`,
    });
    const chain = firstMatch([ipRangeIdentifier(env.DB), httpProviderIdentifier(env.DB, PROVIDER, undefined)]);
    const results = await chain.identify([
      { ip: imported, emailSha256: null, productType: "B2B" },
      { ip: "198.51.100.11", emailSha256: null, productType: "B2B" },
      { ip: "198.51.100.12", emailSha256: null, productType: "B2B" },
    ]);
    expect(results.map((r) => r?.type ?? null)).toEqual(["company", "company", null]);
    expect(calls.map((c) => c.split(" ")[0])).toEqual(["198.51.100.11", "198.51.100.12"]);
  });
});
