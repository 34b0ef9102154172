/**
 * A visitor's opt-out on a client's site: one flag in the site's localStorage that every
 * organization's script on the site honours, for every consent mode, across reloads.
 */
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import { OPT_OUT_KEY } from "../../shared/hit.ts";
import { describeBrowser } from "./support/chromium.ts";
import { GLOBAL, KEY, ofType, parseHit, recordPageRequests } from "./support/hit-sink.ts";
import { setHidden, usePixelHarness } from "./support/harness.ts";

/** A second organization on the same site, of another partner (its own key and global name). */
const OTHER = { k: "pk_test_other_0000", g: "zeta" };
const optOut = (page: Page, g = GLOBAL) => page.evaluate((g) => (window as any)[g]("optOut"), g);

describeBrowser("opt-out", () => {
  const { sink, open } = usePixelHarness();

  it("stops every request from the page at once, and drops the stored email hash", async (ctx) => {
    let seen: { url: string }[] = [];
    const page = await open(ctx, {
      clock: true,
      head: `<script>${GLOBAL}("identify", { email: "x@y.io" })</script>`,
      before: (p) => (seen = recordPageRequests(p)),
    });
    await sink().waitFor((h) => ofType(h, "i").length === 1, "the identify");
    expect(await page.evaluate((k) => sessionStorage.getItem(k), `${GLOBAL}_h`)).not.toBeNull();
    await page.clock.fastForward(3_000);
    const before = seen.length;

    await optOut(page);
    expect(await page.evaluate((k) => localStorage.getItem(k), OPT_OUT_KEY)).toBe("1");
    expect(await page.evaluate((k) => sessionStorage.getItem(k), `${GLOBAL}_h`)).toBeNull();
    await page.evaluate(async (g) => {
      await (window as any)[g].identify({ email: "a@b.co" });
      (window as any)[g]("consent", { personal: true });
      history.pushState({}, "", "/next");
    }, GLOBAL);
    await page.clock.fastForward(5_000);
    await setHidden(page, true);
    await sink().settle();
    expect(seen.slice(before)).toEqual([]);
  });

  it("covers every organization's script on the site and survives reloads", async (ctx) => {
    let seen: { url: string; body: string }[] = [];
    const page = await open(ctx, { before: (p) => (seen = recordPageRequests(p)) });
    await optOut(page);

    await page.reload();
    // The other organization's script, on another page of the same site.
    sink().setPage({ config: OTHER });
    await page.goto(`${sink().site}/other`);
    await page.waitForFunction((g) => typeof (window as any)[g]?.identify === "function", OTHER.g);
    await page.evaluate((g) => history.pushState({}, "", "/other/next"), OTHER.g);
    await sink().settle();

    const posts = seen.filter((r) => r.body);
    expect(posts.map((r) => parseHit(r.body).k)).toEqual([KEY]); // only the view before the opt-out
    // Both scripts were loaded; neither sent anything after the opt-out.
    expect(
      sink()
        .requests.filter((r) => r.method === "GET")
        .map((r) => r.url),
    ).toEqual([`/s/${KEY}.js`, `/s/${KEY}.js`, `/s/${OTHER.k}.js`]);
  });

  it("holds in every consent mode, even after the site grants consent", async (ctx) => {
    for (const c of [0, 1, 2] as const) {
      sink().reset();
      const page = await open(ctx, {
        config: { c },
        init: `localStorage.setItem("${OPT_OUT_KEY}", "1");`,
        waitForView: false,
      });
      await page.waitForFunction((g) => typeof (window as any)[g]?.identify === "function", GLOBAL);
      await page.evaluate((g) => (window as any)[g]("consent", { personal: true }), GLOBAL);
      await page.evaluate(() => history.pushState({}, "", "/next"));
      expect(await sink().settle()).toEqual([]);
    }
  });

  it("reads only its own value under the key, so another script's `optout: false` is no opt-out", async (ctx) => {
    await open(ctx, { init: `localStorage.setItem("${OPT_OUT_KEY}", "false");` });
    expect(ofType(await sink().settle(), "v")).toHaveLength(1);
  });

  it("is undone by removing the flag from localStorage, as docs/pixel.md shows", async (ctx) => {
    const page = await open(ctx);
    await optOut(page);
    await page.evaluate((k) => localStorage.removeItem(k), OPT_OUT_KEY);
    await page.reload();
    await sink().waitFor((h) => ofType(h, "v").length === 2, "the view after opting back in");
  });
});
