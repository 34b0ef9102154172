import { describe, expect, it } from "vitest";
import { freshIp, importCompany, newOrganization, pageView, sendHit, waitForReceipts } from "./support";

describe("collect path", () => {
  it("charges one credit for an identified company on an allowed site", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    await api("PUT", `/organizations/${organization.id}/pixel`, { allowedReferrers: ["client.example"] });
    const ip = freshIp();
    await importCompany(`${ip}/32`, "Acme Corp");

    const res = await sendHit(pageView(pixelKey, "https://client.example/pricing?utm_source=news"), { ip });
    expect(res.status).toBe(204);
    const [receipt] = await waitForReceipts(organization.id, 1);
    expect(receipt.reason).toBe("charged");

    const org = await api("GET", `/organizations/${organization.id}`);
    expect(org.body.organization).toMatchObject({ credits: 100, creditsUsed: 1, creditsAvailable: 99 });
    const visitors = await api("GET", `/organizations/${organization.id}/visitors`);
    expect(visitors.body.total).toBe(1);
    expect(visitors.body.visitors[0]).toMatchObject({
      type: "company",
      company: { name: "Acme Corp" },
      engagement: { pageViews: 1, sessions: 1 },
      pages: { landingPage: "/pricing", topPages: [{ path: "/pricing", views: 1 }] },
      source: { utmSource: "news" },
    });
  });
});
