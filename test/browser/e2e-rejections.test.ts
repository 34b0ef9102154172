/**
 * End to end: traffic that must not become a charged visit, in a real Chromium against
 * the real Worker. Asserted through the partner API; the two counts no partner endpoint
 * shows yet (rejections per day, bot receipts) are read from the Worker's local D1.
 */
import { expect, it, vi } from "vitest";
import { describeBrowser } from "./support/chromium.ts";
import { sleep } from "./support/hit-sink.ts";
import { scriptSrc, useEndToEnd } from "./support/site.ts";
import { type LocalWorker, partnerView, seedOrganization } from "./support/worker.ts";

async function rejections(worker: LocalWorker, organizationId: string, reason: string): Promise<number> {
  const db = await worker.db();
  const row = await db
    .prepare("SELECT coalesce(sum(count), 0) AS n FROM rejected_hits WHERE organization_id = ? AND reason = ?")
    .bind(organizationId, reason)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describeBrowser("traffic that is not a charged visit", () => {
  const { worker, visit } = useEndToEnd();

  it("rejects a site whose host is not allowed: no visit stored, no credit spent, the rejection counted", async (ctx) => {
    const org = await seedOrganization(worker(), { pixel: { allowedReferrers: ["shop.example", "*.shop.example"] } });
    const { views } = await visit(ctx, org, { path: "/stolen-tag" });
    await vi.waitFor(() => expect(views()).toBe(1), { timeout: 10_000 });
    await vi.waitFor(
      async () => expect(await rejections(worker(), org.organizationId, "referrer_not_allowed")).toBe(1),
      {
        timeout: 15_000,
        interval: 250,
      },
    );
    await sleep(1_500); // the consumer has had its chance to store anything
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
    await sleep(1_500);
    expect(await Promise.all(scripts)).toEqual([""]);
    expect(toWorker.map((r) => `${r.method} ${r.url}`)).toEqual([`GET ${scriptSrc(org.scriptTag)}`]);
    const { total, creditsUsed } = await partnerView(org);
    expect(total).toBe(0);
    expect(creditsUsed).toBe(0);
  });

  it("stores an automated browser (navigator.webdriver, HeadlessChrome) as a bot and never charges it", async (ctx) => {
    const org = await seedOrganization(worker());
    const { views } = await visit(ctx, org, { human: false, path: "/crawled" });
    await vi.waitFor(() => expect(views()).toBe(1), { timeout: 10_000 });
    const db = await worker().db();
    const receipt = await vi.waitFor(
      async () => {
        const row = await db
          .prepare("SELECT reason, credits FROM identifications WHERE organization_id = ?")
          .bind(org.organizationId)
          .first<{ reason: string; credits: number }>();
        expect(row).not.toBeNull();
        return row;
      },
      { timeout: 15_000, interval: 250 },
    );
    expect(receipt).toEqual({ reason: "bot", credits: 0 });
    const { total, creditsUsed } = await partnerView(org);
    expect(total).toBe(0);
    expect(creditsUsed).toBe(0);
  });
});
