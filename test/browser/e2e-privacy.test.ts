/**
 * End to end: Do-Not-Track and Global Privacy Control, honoured when the organization
 * asks for it (the default) and ignored when it turns `respectPrivacySignals` off.
 */
import { expect, it, vi } from "vitest";
import { describeBrowser } from "./support/chromium.ts";
import { quietPeriod } from "./support/hit-sink.ts";
import { useEndToEnd } from "./support/site.ts";
import { partnerView, seedOrganization } from "./support/worker.ts";

/** A browser that sends the signal in its headers and reports it to scripts. */
const DNT = {
  context: { extraHTTPHeaders: { DNT: "1" } },
  init: "Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' });",
};
const GPC = {
  context: { extraHTTPHeaders: { "Sec-GPC": "1" } },
  init: "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true });",
};

describeBrowser("privacy signals", () => {
  const { worker, visit } = useEndToEnd();

  for (const [name, signal] of [
    ["Do-Not-Track", DNT],
    ["Global Privacy Control", GPC],
  ] as const) {
    it(`sends and stores nothing under ${name} when the organization honours it (the default)`, async (ctx) => {
      const org = await seedOrganization(worker());
      const { page, toWorker } = await visit(ctx, org, { ...signal, path: "/private" });
      await page.evaluate(() => history.pushState({}, "", "/private/2"));
      await page.goto("about:blank"); // leaving: no engagement either
      await quietPeriod(1_500, "a hit sent on the way out to reach the Worker and be stored");
      expect(toWorker.map((r) => r.method)).toEqual(["GET"]); // the script loaded, and sent nothing
      const { total, creditsUsed } = await partnerView(org);
      expect(total).toBe(0);
      expect(creditsUsed).toBe(0);
    });
  }

  it("identifies and charges a visitor sending DNT and GPC when the organization ignores the signals", async (ctx) => {
    const org = await seedOrganization(worker(), { pixel: { respectPrivacySignals: false } });
    await visit(ctx, org, {
      context: { extraHTTPHeaders: { DNT: "1", "Sec-GPC": "1" } },
      init: DNT.init + GPC.init,
      path: "/public",
    });
    const { visitors, creditsUsed } = await vi.waitFor(
      async () => {
        const view = await partnerView(org);
        expect(view.total).toBe(1);
        return view;
      },
      { timeout: 15_000, interval: 250 },
    );
    expect(visitors[0]).toMatchObject({ type: "company", engagement: { pageViews: 1 } });
    expect(creditsUsed).toBe(1);
  });
});
