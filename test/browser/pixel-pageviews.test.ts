import { expect, it } from "vitest";
import { describeBrowser } from "./support/chromium.ts";
import { KEY, ofType } from "./support/hit-sink.ts";
import { usePixelHarness } from "./support/harness.ts";

describeBrowser("page views", () => {
  const { sink, open } = usePixelHarness();
  const views = async () => ofType(await sink().settle(), "v");

  it("sends exactly one page view on load, with URL, viewport width, event id and no empty referrer", async (ctx) => {
    await open(ctx, { path: "/landing?x=1", context: { viewport: { width: 1000, height: 700 } } });
    const hits = await sink().settle();
    expect(hits).toHaveLength(1);
    const [v] = ofType(hits, "v");
    expect(v).toMatchObject({ k: KEY, t: "v", u: `${sink().site}/landing?x=1`, w: 1000 });
    expect(v!.i).toMatch(/^[0-9a-f]{32}$/);
    expect(v).not.toHaveProperty("r");
  });

  it("reports document.referrer on the landing page view", async (ctx) => {
    await open(ctx, { path: "/from-search", referer: "https://search.example/?q=shoes" });
    expect(await views()).toMatchObject([{ u: `${sink().site}/from-search`, r: "https://search.example/?q=shoes" }]);
  });

  it("counts a pushState navigation once, with the previous URL as referrer, and ignores a push of the same URL", async (ctx) => {
    const page = await open(ctx, { path: "/a" });
    await page.evaluate(() => history.pushState({}, "", "/b?tab=1"));
    await page.evaluate(() => history.pushState({ other: "state" }, "", "/b?tab=1"));
    const v = await views();
    expect(v.map((h) => h.u)).toEqual([`${sink().site}/a`, `${sink().site}/b?tab=1`]);
    expect(v[1]!.r).toBe(`${sink().site}/a`);
  });

  it("counts replaceState to a new path but not replaceState on the same path, even with a new query", async (ctx) => {
    const page = await open(ctx, { path: "/list" });
    await page.evaluate(() => {
      history.replaceState({ s: 1 }, "");
      history.replaceState({}, "", "/list?q=a");
      history.replaceState({}, "", "/list?q=ab");
    });
    expect(await views()).toHaveLength(1);
    await page.evaluate(() => history.replaceState({}, "", "/detail"));
    expect((await views()).map((h) => h.u)).toEqual([`${sink().site}/list`, `${sink().site}/detail`]);
  });

  it("counts back and forward navigation (popstate) once each", async (ctx) => {
    const page = await open(ctx, { path: "/one" });
    await page.evaluate(() => history.pushState({}, "", "/two"));
    await sink().waitFor((h) => ofType(h, "v").length === 2, "the pushState view");
    await page.goBack();
    await sink().waitFor((h) => ofType(h, "v").length === 3, "the popstate view");
    await page.goForward();
    const v = await views();
    expect(v.map((h) => new URL(h.u).pathname)).toEqual(["/one", "/two", "/one", "/two"]);
    expect(v[2]!.r).toBe(`${sink().site}/two`);
  });

  it("counts hash routes once each when hash routing is on (h=1)", async (ctx) => {
    const page = await open(ctx, { config: { h: 1 }, path: "/app" });
    await page.evaluate(() => {
      location.hash = "#/users";
    });
    await sink().waitFor((h) => ofType(h, "v").length === 2, "the #/users view");
    await page.evaluate(() => {
      location.hash = "#/users"; // same route again
      history.pushState({}, "", "#/items");
    });
    const v = await views();
    expect(v.map((h) => new URL(h.u).hash)).toEqual(["", "#/users", "#/items"]);
  });

  it("does not count hash changes when hash routing is off (h=0)", async (ctx) => {
    const page = await open(ctx, { path: "/doc" });
    await page.evaluate(() => {
      location.hash = "#section-2";
      history.pushState({}, "", "#section-3");
    });
    await page.goBack();
    expect(await views()).toHaveLength(1);
  });

  it("counts a restore from the back/forward cache (pageshow with persisted) as a new view of the same URL", async (ctx) => {
    const page = await open(ctx, { path: "/cached" });
    await page.evaluate(() => {
      dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true }));
      dispatchEvent(new PageTransitionEvent("pageshow", { persisted: false }));
    });
    const v = await views();
    expect(v.map((h) => h.u)).toEqual([`${sink().site}/cached`, `${sink().site}/cached`]);
    expect(v[0]!.i).not.toBe(v[1]!.i);
  });
});
