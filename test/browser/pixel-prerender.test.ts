import { expect, it } from "vitest";
import { describeBrowser } from "./support/chromium.ts";
import { GLOBAL } from "./support/hit-sink.ts";
import { usePixelHarness } from "./support/harness.ts";

// Headless Chromium does not prerender speculation rules, so the prerendering state is faked.
const PRERENDERING = `let pre = true;
  Object.defineProperty(Document.prototype, "prerendering", { configurable: true, get: () => pre });
  window.activate = () => { pre = false; document.dispatchEvent(new Event("prerenderingchange")); };`;

describeBrowser("prerendering", () => {
  const { sink, open } = usePixelHarness();

  it("counts a prerendered page only once the visitor opens it, then drains the queue", async (ctx) => {
    const page = await open(ctx, {
      init: PRERENDERING,
      head: `<script>${GLOBAL}("identify", { email: "x@y.io" })</script>`,
      waitForView: false,
    });
    await page.waitForFunction((g) => typeof (window as any)[g]?.identify === "function", GLOBAL);
    expect(await sink().settle()).toEqual([]);
    await page.evaluate(() => (window as any).activate());
    const hits = await sink().waitFor((h) => h.length === 2, "view and identify after activation");
    expect(hits.map((h) => h.t).sort()).toEqual(["i", "v"]);
  });
});
