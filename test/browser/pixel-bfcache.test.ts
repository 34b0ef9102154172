import { expect, it } from "vitest";
import { describeBrowser } from "./support/chromium.ts";
import { ofType } from "./support/hit-sink.ts";
import { usePixelHarness } from "./support/harness.ts";

// A browser with the back/forward cache on, which Playwright otherwise disables.
describeBrowser("back/forward cache", () => {
  const { sink, open } = usePixelHarness({ bfcache: true });

  it("counts a real restore from the back/forward cache as a new view of the same URL", async (ctx) => {
    const page = await open(ctx, { path: "/first" });
    await page.goto(`${sink().site}/second`);
    await sink().waitFor((h) => ofType(h, "v").length === 2, "the second page's view");
    // A restored page fires no load event; waiting for the commit is enough.
    await page.goBack({ waitUntil: "commit" });
    expect(await page.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(1);
    const hits = await sink().waitFor((h) => ofType(h, "v").length === 3, "the restored page's view");
    const v = ofType(hits, "v");
    expect(v.map((h) => new URL(h.u).pathname)).toEqual(["/first", "/second", "/first"]);
    // The restored page is the same document: its script ran once, yet a new view with a new id arrived.
    expect(v[2]!.i).not.toBe(v[0]!.i);
    expect(sink().requests.filter((r) => r.url.startsWith("/s/"))).toHaveLength(2);
  });
});
