/**
 * Consent modes of the pixel (config `c`), the site's `consent` call and Google Consent Mode:
 * what leaves the page before and after consent is granted and withdrawn.
 */
import { createHash } from "node:crypto";
import type { Page } from "playwright-core";
import { expect, it } from "vitest";
import type { ConsentLevel, Hit } from "../../shared/hit.ts";
import { describeBrowser } from "./support/chromium.ts";
import { GLOBAL, ofType, storedHashHex } from "./support/hit-sink.ts";
import { setHidden, usePixelHarness } from "./support/harness.ts";

const EMAIL = "jane@example.com";
const HASH = createHash("sha256").update(EMAIL).digest("hex");
const PERSONAL: ConsentLevel = 1;
const ALL: ConsentLevel = 0;
const OFF: ConsentLevel = 2;

/** Calls made in the page before the script loads (the queue snippet keeps them). */
const queued = (...calls: unknown[][]) =>
  `<script>${calls.map((c) => `${GLOBAL}(${c.map((a) => JSON.stringify(a)).join(", ")});`).join("")}</script>`;
/** gtag as Google's snippet defines it, with the given consent commands. */
const gtag = (...commands: [string, Record<string, unknown>][]) =>
  `<script>window.dataLayer = window.dataLayer || []; function gtag() { dataLayer.push(arguments); }
  ${commands.map(([kind, state]) => `gtag("consent", ${JSON.stringify(kind)}, ${JSON.stringify(state)});`).join("")}</script>`;

/** Calls the site's API after the script loaded. */
const call = (page: Page, ...args: unknown[]) =>
  page.evaluate(([g, a]) => (window as any)[g as string](...(a as unknown[])), [GLOBAL, args] as const);
const storedHash = async (page: Page) =>
  storedHashHex(await page.evaluate((k) => sessionStorage.getItem(k), `${GLOBAL}_h`));
const loaded = (page: Page) => page.waitForFunction((g) => typeof (window as any)[g]?.identify === "function", GLOBAL);
const sorted = (list: string[]) => [...list].sort();
/** Views and identifies as "type path hash" (engagement depends on timing), sorted: beacons may arrive in any order. */
const summary = (hits: Hit[]) =>
  sorted(hits.filter((h) => h.t != "e").map((h) => `${h.t} ${new URL(h.u).pathname} ${h.h ?? "-"}`));
const navigate = (page: Page, path: string) => page.evaluate((p) => history.pushState({}, "", p), path);

describeBrowser("consent", () => {
  const { sink, open } = usePixelHarness();
  // Sorted: beacons sent in one go may arrive in any order.
  const hitsOf = async () => summary(await sink().settle());

  it("personal (default mode): counts page views without consent, and identify sends nothing and stores nothing", async (ctx) => {
    const page = await open(ctx, { config: { c: PERSONAL }, head: queued(["identify", { email: EMAIL }]) });
    await call(page, "identify", { email: "other@example.com" });
    await navigate(page, "/next");
    expect(await hitsOf()).toEqual(sorted(["v / -", "v /next -"]));
    expect(await storedHash(page)).toBeNull();
  });

  it("personal: a consent queued before the script loads lets the queued identify through", async (ctx) => {
    const page = await open(ctx, {
      config: { c: PERSONAL },
      head: queued(["consent", { personal: true }], ["identify", { email: EMAIL }]),
    });
    await sink().waitFor((h) => ofType(h, "i").length === 1, "the identify");
    await navigate(page, "/next");
    expect(await hitsOf()).toEqual(sorted(["v / -", `i / ${HASH}`, `v /next ${HASH}`]));
    expect(await storedHash(page)).toBe(HASH);
  });

  it("personal: an identify made before consent is sent once consent is granted after load", async (ctx) => {
    const page = await open(ctx, { config: { c: PERSONAL } });
    await call(page, "identify", { email: EMAIL });
    expect(ofType(await sink().settle(), "i")).toEqual([]);
    await call(page, "consent", { personal: true });
    await sink().waitFor((h) => ofType(h, "i").length === 1, "the identify after consent");
    await call(page, "identify", { email: EMAIL }); // the same address: not again
    await navigate(page, "/next");
    expect(await hitsOf()).toEqual(sorted(["v / -", `i / ${HASH}`, `v /next ${HASH}`]));
  });

  it("personal: withdrawing deletes the stored hash, later hits go without it and identify waits again", async (ctx) => {
    const page = await open(ctx, {
      config: { c: PERSONAL },
      head: queued(["consent", { personal: true }], ["identify", { email: EMAIL }]),
    });
    await sink().waitFor((h) => ofType(h, "i").length === 1, "the identify");
    expect(await storedHash(page)).toBe(HASH);
    await call(page, "consent", { personal: false });
    expect(await storedHash(page)).toBeNull();
    await call(page, "identify", { email: EMAIL });
    await navigate(page, "/after");
    expect(await hitsOf()).toEqual(sorted(["v / -", `i / ${HASH}`, "v /after -"]));
    // Also after a reload of the tab.
    await page.reload();
    await sink().waitFor((h) => h.filter((x) => x.t === "v").length === 3, "the reloaded view");
    expect(ofType(sink().hits(), "v")[2]).not.toHaveProperty("h");
  });

  it("all: sends nothing at all without consent, not even page views or engagement", async (ctx) => {
    const page = await open(ctx, {
      config: { c: ALL },
      head: queued(["identify", { email: EMAIL }]),
      clock: true,
      waitForView: false,
    });
    await loaded(page);
    await navigate(page, "/next");
    await page.clock.fastForward(3_000);
    await setHidden(page, true);
    await sink().settle();
    expect(sink().requests.map((r) => `${r.method} ${r.url}`)).toEqual([expect.stringMatching(/^GET \/s\//)]);
    expect(await storedHash(page)).toBeNull();
  });

  it("all: a consent queued before the script loads counts the page from the start", async (ctx) => {
    const page = await open(ctx, { config: { c: ALL }, head: queued(["consent", { personal: true }]) });
    await call(page, "identify", { email: EMAIL });
    await sink().waitFor((h) => ofType(h, "i").length === 1, "the identify");
    expect(await hitsOf()).toEqual(sorted(["v / -", `i / ${HASH}`]));
  });

  it("all: consent granted after load sends the held-back view of the current page, then everything", async (ctx) => {
    const page = await open(ctx, {
      config: { c: ALL },
      clock: true,
      waitForView: false,
      referer: "https://ref.example/",
    });
    await loaded(page);
    await navigate(page, "/second"); // before consent: replaces the held view, sends nothing
    expect(await sink().settle()).toEqual([]);
    await call(page, "consent", { personal: true });
    const [view] = await sink().waitFor((h) => h.length === 1, "the held view");
    expect(view).toMatchObject({ t: "v", u: `${sink().site}/second`, r: `${sink().site}/` });
    await page.clock.fastForward(2_000);
    await setHidden(page, true);
    const [, engagement] = await sink().waitFor((h) => h.length === 2, "the engagement");
    expect(engagement).toMatchObject({ t: "e", p: view!.i });
  });

  it("all: withdrawing stops everything again", async (ctx) => {
    const page = await open(ctx, { config: { c: ALL }, head: queued(["consent", { personal: true }]) });
    await call(page, "consent", { personal: false });
    await navigate(page, "/next");
    expect(await hitsOf()).toEqual(sorted(["v / -"]));
  });

  it("off: no gating; consent calls change nothing", async (ctx) => {
    const page = await open(ctx, { config: { c: OFF }, head: queued(["identify", { email: EMAIL }]) });
    await sink().waitFor((h) => ofType(h, "i").length === 1, "the identify");
    await call(page, "consent", { personal: false });
    expect(await storedHash(page)).toBe(HASH);
    await navigate(page, "/next");
    expect(await hitsOf()).toEqual(sorted(["v / -", `i / ${HASH}`, `v /next ${HASH}`]));
  });

  it("off: the identify is sent at once; the default is what the other tests of the pixel use", async (ctx) => {
    const page = await open(ctx);
    await call(page, "identify", { email: EMAIL });
    await sink().waitFor((h) => ofType(h, "i").length === 1, "the identify");
    expect(await storedHash(page)).toBe(HASH);
  });
});

describeBrowser("Google Consent Mode", () => {
  const { sink, open } = usePixelHarness();
  // Sorted: beacons sent in one go may arrive in any order.
  const hitsOf = async () => summary(await sink().settle());
  const IDENTIFY = queued(["identify", { email: EMAIL }]);

  it("personal: an update granting ad_user_data grants personal consent; one denying it withdraws", async (ctx) => {
    const page = await open(ctx, {
      config: { c: PERSONAL },
      head: gtag(["default", { ad_user_data: "denied", analytics_storage: "denied" }]) + IDENTIFY,
    });
    expect(ofType(await sink().settle(), "i")).toEqual([]);
    // The CMP's update after load; the script reads it when it next looks, here as the navigation
    // leaves the page where consent came (so the identify carries that page's URL), before the next view.
    await page.evaluate(() => (window as any).gtag("consent", "update", { ad_user_data: "granted" }));
    await navigate(page, "/granted");
    await sink().waitFor((h) => ofType(h, "i").length === 1, "the identify");
    expect(await storedHash(page)).toBe(HASH);
    // Updates that do not name ad_user_data leave it as it is.
    await page.evaluate(() => (window as any).gtag("consent", "update", { analytics_storage: "denied" }));
    await navigate(page, "/still");
    await page.evaluate(() => (window as any).gtag("consent", "update", { ad_user_data: "denied" }));
    await navigate(page, "/denied");
    expect(await hitsOf()).toEqual(
      sorted(["v / -", `i / ${HASH}`, `v /granted ${HASH}`, `v /still ${HASH}`, "v /denied -"]),
    );
    expect(await storedHash(page)).toBeNull();
  });

  it("personal: a default granting ad_user_data grants, unless another default denies it (a region's)", async (ctx) => {
    await open(ctx, { config: { c: PERSONAL }, head: gtag(["default", { ad_user_data: "granted" }]) + IDENTIFY });
    await sink().waitFor((h) => ofType(h, "i").length === 1, "the identify under a granting default");
    sink().reset();

    const regional = gtag(
      ["default", { ad_user_data: "denied", region: ["DE", "FR"] }],
      ["default", { ad_user_data: "granted" }],
    );
    await open(ctx, { config: { c: PERSONAL }, head: regional + IDENTIFY });
    expect(await hitsOf()).toEqual(sorted(["v / -"]));
  });

  it("all: nothing is sent until an update grants ad_user_data, then the held view of the page too", async (ctx) => {
    const page = await open(ctx, {
      config: { c: ALL },
      head: gtag(["default", { ad_user_data: "denied", analytics_storage: "granted" }]),
      waitForView: false,
    });
    await loaded(page);
    await navigate(page, "/before");
    expect(await sink().settle()).toEqual([]);
    await page.evaluate(() => (window as any).gtag("consent", "update", { ad_user_data: "granted" }));
    await navigate(page, "/after");
    expect(await hitsOf()).toEqual(sorted(["v /before -", "v /after -"]));
  });
});
