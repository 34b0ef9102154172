import { expect, it } from "vitest";
import { describeBrowser } from "./support/chromium.ts";
import { GLOBAL } from "./support/hit-sink.ts";
import { setHidden, usePixelHarness } from "./support/harness.ts";

/** Browsers send the signals with every request, the script's included. */
const DNT = { extraHTTPHeaders: { DNT: "1" } };
const GPC = { extraHTTPHeaders: { "Sec-GPC": "1" } };
const WEBDRIVER = (v: boolean) =>
  `Object.defineProperty(Navigator.prototype, "webdriver", { configurable: true, get: () => ${v} });`;
const QUEUED = `<script>${GLOBAL}("identify", { email: "x@y.io" })</script>`;

describeBrowser("privacy signals", () => {
  const { sink, open } = usePixelHarness();

  for (const [name, context] of [
    ["Do-Not-Track", DNT],
    ["Global Privacy Control", GPC],
  ] as const) {
    it(`sends nothing at all under ${name} when the site respects it (p=1), and the site's calls still work`, async (ctx) => {
      const errors: string[] = [];
      const page = await open(ctx, {
        context,
        config: { p: 1 },
        head: QUEUED,
        clock: true,
        waitForView: false,
        before: (p) => p.on("pageerror", (e) => errors.push(String(e))),
      });
      await page.waitForFunction((g) => typeof (window as any)[g]?.identify === "function", GLOBAL);
      await page.evaluate(async (g) => {
        const api = (window as any)[g];
        await api.identify({ email: "a@b.co" });
        api("consent", { personal: true });
        api.consent({ personal: true });
        api.optOut();
        history.pushState({}, "", "/next");
      }, GLOBAL);
      await page.clock.fastForward(5_000);
      await setHidden(page, true);
      await page.close({ runBeforeUnload: true });
      await sink().settle();
      expect(sink().requests.map((r) => `${r.method} ${r.url}`)).toEqual([expect.stringMatching(/^GET \/s\//)]);
      expect(errors).toEqual([]);
    });

    it(`ignores ${name} when the site does not opt in (p=0)`, async (ctx) => {
      await open(ctx, { context, config: { p: 0 }, head: QUEUED });
      expect((await sink().waitFor((h) => h.length === 2, "view and identify")).map((h) => h.t).sort()).toEqual([
        "i",
        "v",
      ]);
    });
  }

  it("flags hits with b=1 when navigator.webdriver is true, and leaves b out otherwise", async (ctx) => {
    await open(ctx, { init: WEBDRIVER(true), path: "/bot" });
    await open(ctx, { init: WEBDRIVER(false), path: "/human" });
    const hits = await sink().settle();
    expect(hits.find((h) => h.u.endsWith("/bot"))?.b).toBe(1);
    expect(hits.find((h) => h.u.endsWith("/human"))).not.toHaveProperty("b");
  });
});
