import { describe, expect, it } from "vitest";
import { importCompany, newOrganization } from "./support/partners";
import { freshIp, pageView, sendHit } from "./support/hits";
import { waitForReceipts } from "./support/receipts";
import { seedVisitors } from "./support/visitors";
import { signedInClient } from "./support/dashboard";

/**
 * The overview's latest identified companies: who came, without a click to Companies. They are the
 * company feed's first rows (one read model, worker/visitors/list.ts), within the overview's days.
 */

/** The visitor ids of the overview's latest companies, in order, and the links they carry. */
function latestOf(html: string) {
  const section = html.slice(
    html.indexOf('aria-labelledby="latest-h"'),
    html.indexOf("</section>", html.indexOf('aria-labelledby="latest-h"')),
  );
  return {
    ids: [...section.matchAll(/<tr data-visitor="([^"]+)"/g)].map((m) => m[1]!),
    names: [...section.matchAll(/<a href="[^"]+\/companies\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]!),
    links: [...section.matchAll(/<a href="([^"]+\/companies\/[^"]+)"/g)].map((m) => m[1]!),
    text: section,
  };
}

const feedIds = (html: string) =>
  [...html.matchAll(/href="\/app\/o\/[^/]+\/companies\/(vis_[^"]+)"/g)].map((m) => m[1]!);

describe("the overview's latest companies", { timeout: 30_000 }, () => {
  it("are the 10 most recently seen, in the feed's order, each linking to its page", async () => {
    const { api, organization } = await newOrganization();
    const now = Math.floor(Date.now() / 1000);
    await seedVisitors(organization.id, [
      ...Array.from({ length: 12 }, (_, i) => ({
        name: `Recent ${String(i).padStart(2, "0")}`,
        domain: `recent-${i}.example`,
        industry: "Software",
        lastSeen: now - 3600 * (i + 1),
        sessions: i + 1,
        pageViews: 2 * (i + 1),
        icpScore: 70,
        icpMatched: true,
      })),
    ]);
    const { browser: b, home } = await signedInClient(api, organization.id);
    const overview = await b.get(home);
    expect(overview.status).toBe(200);
    const latest = latestOf(overview.html);
    expect(latest.names).toEqual(Array.from({ length: 10 }, (_, i) => `Recent ${String(i).padStart(2, "0")}`));
    expect(latest.ids).toEqual(feedIds((await b.get(`${home}/companies`)).html).slice(0, 10));
    expect(latest.text).toContain("recent-0.example");
    expect(latest.text).toMatch(
      /<td class="n">1<\/td><td class="n">2<\/td><td class="n"><span class="badge ok"[^>]*>70 · match/,
    );
    for (const link of latest.links.slice(0, 2)) expect((await b.get(link)).status).toBe(200);
  });

  it("count from the overview's first day, as its figures do", async () => {
    const { api, organization } = await newOrganization();
    const now = Math.floor(Date.now() / 1000);
    await seedVisitors(organization.id, [
      { name: "This Week Inc", lastSeen: now - 2 * 86_400 },
      { name: "Last Month Ltd", lastSeen: now - 20 * 86_400 },
      { name: "Last Quarter plc", lastSeen: now - 60 * 86_400 },
    ]);
    const { browser: b, home } = await signedInClient(api, organization.id);
    expect(latestOf((await b.get(`${home}?days=7`)).html).names).toEqual(["This Week Inc"]);
    expect(latestOf((await b.get(home)).html).names).toEqual(["This Week Inc", "Last Month Ltd"]);
    expect(latestOf((await b.get(`${home}?days=90`)).html).names).toEqual([
      "This Week Inc",
      "Last Month Ltd",
      "Last Quarter plc",
    ]);
  });

  it("leave out what the feed leaves out: a visitor from an excluded address is not there", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const [welcome, excluded] = [freshIp(), freshIp()];
    await importCompany(`${welcome}/32`, "Welcome Visitor Inc");
    await importCompany(`${excluded}/32`, "Own Office Inc");
    await api("PUT", `/organizations/${organization.id}/exclusions`, { domains: [], ipRanges: [`${excluded}/32`] });
    await sendHit(pageView(pixelKey), { ip: welcome });
    await sendHit(pageView(pixelKey), { ip: excluded });
    const outcomes = await waitForReceipts(organization.id, 2);
    expect(outcomes.map((r) => r.reason).sort()).toEqual(["charged", "excluded"]);
    const { browser: b, home } = await signedInClient(api, organization.id);
    const latest = latestOf((await b.get(home)).html);
    expect(latest.names).toEqual(["Welcome Visitor Inc"]);
  });

  it("say so when nobody was identified in the overview's days", async () => {
    const { api, organization } = await newOrganization();
    const { browser: b, home } = await signedInClient(api, organization.id);
    expect(latestOf((await b.get(`${home}?days=7`)).html).text).toContain("No company identified in the last 7 days.");
  });
});
