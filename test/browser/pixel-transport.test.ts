import { expect, it } from "vitest";
import { MAX_HIT_BYTES } from "../../shared/hit.ts";
import { describeBrowser } from "./support/chromium.ts";
import { GLOBAL, ofType } from "./support/hit-sink.ts";
import { setHidden, usePixelHarness } from "./support/harness.ts";

describeBrowser("transport", () => {
  const { sink, open } = usePixelHarness();

  it("posts every hit as a text/plain simple request to the other origin, never with a preflight", async (ctx) => {
    const page = await open(ctx, { clock: true, head: `<script>${GLOBAL}.q=[["identify",{email:"x@y.io"}]]</script>` });
    await page.evaluate(() => history.pushState({}, "", "/next"));
    await page.clock.fastForward(2_000);
    await setHidden(page, true);
    const hits = await sink().waitFor((h) => new Set(h.map((x) => x.t)).size === 3, "every kind of hit");
    expect(hits.length).toBeGreaterThanOrEqual(4);
    const posts = sink().requests.filter((r) => r.method === "POST");
    expect(sink().requests.filter((r) => r.method === "OPTIONS")).toEqual([]);
    for (const r of posts) {
      expect(r.url).toBe("/e");
      expect(r.headers["content-type"]).toMatch(/^text\/plain(;|$)/);
      expect(r.headers.origin).toBe(sink().site);
      expect(Object.keys(r.headers).filter((h) => h.startsWith("x-"))).toEqual([]);
      expect(Buffer.byteLength(r.body)).toBeLessThanOrEqual(MAX_HIT_BYTES);
    }
  });

  it("gives every hit its own event id", async (ctx) => {
    const page = await open(ctx, { clock: true });
    for (let n = 1; n <= 5; n++) {
      await page.clock.fastForward(1_000 * n);
      await page.evaluate((n) => history.pushState({}, "", `/p${n}`), n);
    }
    await page.clock.fastForward(6_000);
    await setHidden(page, true);
    const hits = await sink().waitFor((h) => h.length >= 12, "six views and six engagements");
    expect(new Set(hits.map((h) => h.i)).size).toBe(hits.length);
    expect(ofType(hits, "e").map((h) => h.s)).toEqual(expect.arrayContaining([1, 2, 3, 4, 5, 6]));
  });

  it("never breaks the site's navigation where sendBeacon is switched off", async (ctx) => {
    const errors: string[] = [];
    const page = await open(ctx, {
      init: `delete Navigator.prototype.sendBeacon;`,
      waitForView: false,
      before: (p) => p.on("pageerror", (e) => errors.push(String(e))),
    });
    await page.waitForFunction((g) => typeof (window as any)[g]?.identify === "function", GLOBAL);
    await page.evaluate(() => history.pushState({}, "", "/next"));
    expect(await page.evaluate(() => location.pathname)).toBe("/next");
    expect(errors).toEqual([]);
    expect(await sink().settle()).toEqual([]);
  });

  it("runs once when the script is included twice", async (ctx) => {
    const page = await open(ctx, { noSnippet: true });
    await page.addScriptTag({ url: `${sink().endpoint}/s/again.js` });
    await page.evaluate(() => history.pushState({}, "", "/next"));
    expect(ofType(await sink().settle(), "v")).toHaveLength(2);
  });

  it("works without the queue snippet and adds no global except the configured name", async (ctx) => {
    const page = await open(ctx, {
      noSnippet: true,
      config: { g: "zz9" },
      init: `window.__before = new Set(Object.getOwnPropertyNames(window));`,
    });
    const added = await page.evaluate(() =>
      Object.getOwnPropertyNames(window).filter((p) => !(window as any).__before.has(p) && p !== "__before"),
    );
    expect(added).toEqual(["zz9"]);
    expect(await page.evaluate(() => typeof (window as any).zz9.identify)).toBe("function");
  });
});
