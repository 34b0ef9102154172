/**
 * End to end: traffic that must not become a charged visit, in a real Chromium against
 * the real Worker. Asserted through the partner API (the receipts endpoint's daily counts).
 */
import { expect, it, vi } from "vitest";
import { describeBrowser } from "./support/chromium.ts";
import { quietPeriod } from "./support/hit-sink.ts";
import { scriptSrc, useEndToEnd } from "./support/site.ts";
import { partnerView, type SeededOrganization, seedOrganization } from "./support/worker.ts";

/** Hits of an outcome, as the receipts endpoint counts them per day, and the charges' receipts. */
async function outcomes(org: SeededOrganization) {
  return org.api<{ receipts: unknown[]; counts: { byReason: Record<string, number> } }>(
    "GET",
    `/api/v1/partner/organizations/${org.organizationId}/receipts`,
  );
}

describeBrowser("traffic that is not a charged visit", () => {
  const { worker, visit } = useEndToEnd();

  it("rejects a site whose host is not allowed: no visit stored, no credit spent, the rejection counted", async (ctx) => {
    const org = await seedOrganization(worker(), { pixel: { allowedReferrers: ["shop.example", "*.shop.example"] } });
    const { views } = await visit(ctx, org, { path: "/stolen-tag" });
    await vi.waitFor(() => expect(views()).toBe(1), { timeout: 10_000 });
    await vi.waitFor(async () => expect((await outcomes(org)).counts.byReason.referrer_not_allowed).toBe(1), {
      timeout: 15_000,
      interval: 250,
    });
    // The rejection is counted by the consumer from the same queue: the pipeline went past this hit.
    const { total, creditsUsed } = await partnerView(org);
    expect(total).toBe(0);
    expect(creditsUsed).toBe(0);
  });

  it("serves an empty script for a disabled organization, and the page sends nothing", async (ctx) => {
    const org = await seedOrganization(worker());
    await org.api("PUT", `/api/v1/partner/organizations/${org.organizationId}/status`, { enabled: false });
    const scripts: Promise<string>[] = [];
    const { page, toWorker } = await visit(ctx, org, {
      path: "/closed",
      before: (page) =>
        page.on("response", (r) => {
          if (r.url() === scriptSrc(org.scriptTag)) scripts.push(r.text());
        }),
    });
    await page.waitForLoadState("load");
    await quietPeriod(1_500, "an empty script to send anything after the load");
    expect(await Promise.all(scripts)).toEqual([""]);
    expect(toWorker.map((r) => `${r.method} ${r.url}`)).toEqual([`GET ${scriptSrc(org.scriptTag)}`]);
    const { total, creditsUsed } = await partnerView(org);
    expect(total).toBe(0);
    expect(creditsUsed).toBe(0);
  });

  it("counts an automated browser (navigator.webdriver, HeadlessChrome) as a bot and never charges it", async (ctx) => {
    const org = await seedOrganization(worker());
    const { views } = await visit(ctx, org, { human: false, path: "/crawled" });
    await vi.waitFor(() => expect(views()).toBe(1), { timeout: 10_000 });
    await vi.waitFor(async () => expect((await outcomes(org)).counts.byReason.bot).toBe(1), {
      timeout: 15_000,
      interval: 250,
    });
    expect((await outcomes(org)).receipts).toEqual([]);
    const { total, creditsUsed } = await partnerView(org);
    expect(total).toBe(0);
    expect(creditsUsed).toBe(0);
  });
});
