/**
 * End to end: what the Worker receives from a real browser. A recording pass-through sits
 * in front of the Worker (Playwright hides CORS preflights), and the script tag is fetched
 * through it, so the page loads the script and posts its hits there.
 */
import { expect, it, vi } from "vitest";
import { describeBrowser } from "./support/chromium.ts";
import { parseHit } from "./support/hit-sink.ts";
import { startRecordingProxy, useEndToEnd } from "./support/site.ts";
import { partnerView, seedOrganization } from "./support/worker.ts";

describeBrowser("requests a page makes to the Worker", () => {
  const { worker, visit } = useEndToEnd();

  it("needs no CORS preflight, and each page view is exactly one request", async (ctx) => {
    const proxy = await startRecordingProxy(worker().url);
    ctx.onTestFinished(() => proxy.close());
    const org = await seedOrganization(worker());
    const { pixel } = await worker().partner(org.partnerKey)<{ pixel: { scriptTag: string } }>(
      "GET",
      new URL(`/api/v1/partner/organizations/${org.organizationId}/pixel`, proxy.origin).href,
    );
    expect(pixel.scriptTag).toContain(proxy.origin);
    proxy.requests.length = 0;

    const { page } = await visit(ctx, org, { scriptTag: pixel.scriptTag, path: "/one" });
    const hits = () => proxy.requests.filter((r) => r.method === "POST").map((r) => ({ ...r, hit: parseHit(r.body) }));
    await vi.waitFor(() => expect(hits()).toHaveLength(1), { timeout: 10_000 });
    await page.evaluate(() => history.pushState({}, "", "/two"));
    await page.evaluate(() => history.pushState({}, "", "/three"));
    await vi.waitFor(() => expect(hits().filter((r) => r.hit.t === "v")).toHaveLength(3), { timeout: 10_000 });

    expect(proxy.requests.filter((r) => r.method === "OPTIONS")).toEqual([]);
    // One request per page view, each carrying that one view (a slow page may add engagement requests):
    // every body is a single hit as the Worker reads it (parseHit throws on anything else).
    const views = hits().filter((r) => r.hit.t === "v");
    expect(views.map((r) => [r.path, new URL(r.hit.u).pathname])).toEqual([
      ["/e", "/one"],
      ["/e", "/two"],
      ["/e", "/three"],
    ]);
    for (const r of hits()) expect(r.headers["content-type"]).toMatch(/^text\/plain/);
    const { visitors } = await vi.waitFor(
      async () => {
        const view = await partnerView(org);
        expect(view.visitors[0]?.engagement.pageViews).toBe(3);
        return view;
      },
      { timeout: 15_000, interval: 250 },
    );
    expect(visitors).toHaveLength(1);
  });
});
