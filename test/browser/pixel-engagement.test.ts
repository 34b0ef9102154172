import { expect, it } from "vitest";
import { describeBrowser, scrollPage } from "./support/chromium.ts";
import { ofType } from "./support/hit-sink.ts";
import { setHidden, usePixelHarness } from "./support/harness.ts";

// 3000 px of content in a 720 px viewport: the top of the page is 24 % deep.
const TALL = { height: 3000, context: { viewport: { width: 1280, height: 720 } }, clock: true } as const;

describeBrowser("engagement", () => {
  const { sink, open } = usePixelHarness();
  const engagements = async () => ofType(await sink().settle(), "e");

  it("is delivered when the page becomes hidden, with focused seconds and the maximum scroll depth", async (ctx) => {
    const page = await open(ctx, TALL);
    const [view] = ofType(sink().hits(), "v");
    await scrollPage(page, 1140); // (1140 + 720) / 3000 = 62 %
    await scrollPage(page, 0);
    await page.clock.fastForward(5_000);
    await setHidden(page, true);
    const [e, ...more] = await engagements();
    expect(more).toEqual([]);
    expect(e).toMatchObject({ t: "e", p: view!.i, u: view!.u, d: 62 });
    expect(e!.s).toBeGreaterThanOrEqual(5);
    expect(e!.s).toBeLessThanOrEqual(6);
    expect(e!.i).not.toBe(view!.i);
  });

  it("is sent again on pagehide with cumulative values and a fresh id, but not when nothing changed", async (ctx) => {
    const page = await open(ctx, TALL);
    await page.clock.fastForward(3_000);
    await setHidden(page, true);
    await sink().waitFor((h) => ofType(h, "e").length === 1, "the first engagement");
    await setHidden(page, true); // hidden again, nothing new: no hit
    await setHidden(page, false);
    await page.clock.fastForward(4_000);
    await scrollPage(page, 2280); // the bottom: 100 %
    await page.goto("about:blank"); // pagehide (and visibilitychange) of the real navigation
    const [first, second, ...more] = await engagements();
    expect(more).toEqual([]);
    expect(second!.p).toBe(first!.p);
    expect(second!.i).not.toBe(first!.i);
    expect(first!.s).toBeGreaterThanOrEqual(3);
    expect(first!.s).toBeLessThanOrEqual(4);
    expect(second!.s).toBeGreaterThanOrEqual(7);
    expect(second!.s).toBeLessThanOrEqual(8);
    expect([first!.d, second!.d]).toEqual([24, 100]);
  });

  it("is delivered when the tab is closed", async (ctx) => {
    const page = await open(ctx, TALL);
    await page.clock.fastForward(2_000);
    await page.close({ runBeforeUnload: true });
    const hits = await sink().waitFor((h) => ofType(h, "e").length > 0, "the engagement of the closed tab");
    expect(ofType(hits, "e")).toMatchObject([{ t: "e", p: ofType(hits, "v")[0]!.i }]);
  });

  it("is sent for the previous page right before an SPA page view", async (ctx) => {
    // Record the order of sends inside the page: arrival order at the server is not guaranteed.
    const page = await open(ctx, {
      ...TALL,
      init: `const sb = navigator.sendBeacon.bind(navigator); window.__order = [];
        Navigator.prototype.sendBeacon = function (u, b) { window.__order.push(JSON.parse(b)[1]); return sb(u, b); };`,
    });
    await page.clock.fastForward(2_000);
    await page.evaluate(() => history.pushState({}, "", "/next"));
    const hits = await sink().waitFor((h) => ofType(h, "v").length === 2, "the SPA view");
    expect(await page.evaluate(() => (window as unknown as { __order: string[] }).__order)).toEqual(["v", "e", "v"]);
    const [v1, v2] = ofType(hits, "v");
    const [e] = ofType(hits, "e");
    expect(e).toMatchObject({ p: v1!.i, u: v1!.u });
    expect(e!.s).toBeGreaterThanOrEqual(2);
    expect(e!.s).toBeLessThanOrEqual(3);
    expect(v2!.u).toBe(`${sink().site}/next`);
  });

  it("does not count time while the window has no focus", async (ctx) => {
    const page = await open(ctx, TALL);
    await page.evaluate(() => {
      document.hasFocus = () => false;
      dispatchEvent(new FocusEvent("blur"));
    });
    await page.clock.fastForward(10_000);
    await page.evaluate(() => {
      document.hasFocus = () => true;
      dispatchEvent(new FocusEvent("focus"));
    });
    await page.clock.fastForward(2_000);
    await setHidden(page, true);
    const [e] = await engagements();
    expect(e!.s).toBeGreaterThanOrEqual(2);
    expect(e!.s).toBeLessThanOrEqual(3);
  });

  it("is not sent for a page that was never visible, such as a background tab closed unseen", async (ctx) => {
    const page = await open(ctx, {
      ...TALL,
      init: `Object.defineProperty(document, "hidden", { configurable: true, get: () => true });`,
    });
    await page.clock.fastForward(30_000);
    await page.close({ runBeforeUnload: true });
    const hits = await sink().settle();
    expect(hits.map((h) => h.t)).toEqual(["v"]);
  });
});
