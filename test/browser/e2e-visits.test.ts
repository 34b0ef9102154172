/**
 * End to end: a client's website (its own origin) loads the script from the real Worker
 * (workerd, real D1/KV/Durable Objects/Queues) in a real Chromium; everything is asserted
 * through the partner API, as a partner would see it.
 */
import type { Page } from "playwright-core";
import { expect, it, vi } from "vitest";
import { describeBrowser, scrollPage } from "./support/chromium.ts";
import { quietPeriod } from "./support/hit-sink.ts";
import { useEndToEnd } from "./support/site.ts";
import { partnerView, type SeededOrganization, seedOrganization } from "./support/worker.ts";

/** The queue consumer works in batches of up to a second: poll what the partner sees. */
const settled = (org: SeededOrganization, pred: (v: Awaited<ReturnType<typeof partnerView>>) => void) =>
  vi.waitFor(
    async () => {
      const view = await partnerView(org);
      pred(view);
      return view;
    },
    { timeout: 15_000, interval: 250 },
  );

/** Navigates inside the page, then waits until the page has sent `views` page views in all. */
async function navigate(page: Page, sent: () => number, views: number, fn: () => void) {
  await page.evaluate(fn);
  await vi.waitFor(() => expect(sent()).toBe(views), { timeout: 10_000 });
}

/** Navigates inside the page and proves it sends no page view for it. */
async function navigateUncounted(page: Page, sent: () => number, fn: () => void) {
  const before = sent();
  await page.evaluate(fn);
  await quietPeriod(150, "a page view for the navigation to be sent");
  expect(sent()).toBe(before);
}

describeBrowser("a client's site with the real Worker", () => {
  const { worker, visit } = useEndToEnd();

  it("landing on the site creates one page view and one identified visitor", async (ctx) => {
    const org = await seedOrganization(worker());
    await visit(ctx, org, { path: "/pricing" });
    const { visitors, total, creditsUsed } = await settled(org, (v) => expect(v.total).toBe(1));
    expect(total).toBe(1);
    expect(visitors[0]).toMatchObject({
      type: "company",
      company: { name: "Loopback Labs", domain: "loopback-labs.example" },
      engagement: { sessions: 1, pageViews: 1 },
      pages: { landingPage: "/pricing", topPages: [{ path: "/pricing", views: 1 }] },
    });
    expect(creditsUsed).toBe(1);
  });

  it("counts SPA navigation (pushState, replaceState to a new path, back/forward, hash routes) once per page", async (ctx) => {
    const org = await seedOrganization(worker(), { pixel: { hashRouting: true } });
    const { page, views } = await visit(ctx, org, { path: "/app" });
    await vi.waitFor(() => expect(views()).toBe(1), { timeout: 10_000 });
    await navigate(page, views, 2, () => history.pushState({}, "", "/app/users"));
    await navigateUncounted(page, views, () => history.pushState({ same: true }, "", "/app/users")); // same URL (a new history entry)
    await navigateUncounted(page, views, () => history.replaceState({}, "", "/app/users?sort=name")); // same path
    await navigate(page, views, 3, () => history.replaceState({}, "", "/app/people")); // a redirect to a new path
    await page.goBack(); // popstate → /app/users
    await vi.waitFor(() => expect(views()).toBe(4), { timeout: 10_000 });
    await page.goForward(); // popstate → /app/people
    await vi.waitFor(() => expect(views()).toBe(5), { timeout: 10_000 });
    await navigate(page, views, 6, () => {
      location.hash = "#/settings"; // a hash route
    });
    await navigateUncounted(page, views, () => {
      location.hash = "#/settings"; // the same route
    });
    // The control: a last page view stored after all of them, so the store went past every hit before it.
    await navigate(page, views, 7, () => history.pushState({}, "", "/app/done"));

    const { visitors, creditsUsed } = await settled(org, (v) => expect(v.visitors[0]?.engagement.pageViews).toBe(7));
    expect(creditsUsed).toBe(1);
    const viewsOf = Object.fromEntries(visitors[0]!.pages.topPages.map((p) => [p.path, p.views]));
    expect(viewsOf).toEqual({
      "/app": 1,
      "/app/users": 2,
      "/app/people": 2,
      "/app/people#/settings": 1,
      "/app/done": 1,
    });
    expect(views()).toBe(7);
  });

  it("lists hash routes as their own pages in topPages when hash routing is on", async (ctx) => {
    const org = await seedOrganization(worker(), { pixel: { hashRouting: true } });
    const { page, views } = await visit(ctx, org, { path: "/app" });
    await vi.waitFor(() => expect(views()).toBe(1), { timeout: 10_000 });
    await navigate(page, views, 2, () => {
      location.hash = "#/settings";
    });
    const { visitors } = await settled(org, (v) => expect(v.visitors[0]?.engagement.pageViews).toBe(2));
    expect(visitors[0]!.pages.topPages).toEqual(
      expect.arrayContaining([
        { path: "/app", views: 1 },
        { path: "/app#/settings", views: 1 },
      ]),
    );
  });

  it("delivers engagement time and scroll depth when the visitor leaves the page", async (ctx) => {
    const org = await seedOrganization(worker());
    const { page } = await visit(ctx, org, {
      height: 3000,
      clock: true,
      context: { viewport: { width: 1280, height: 720 } },
    });
    await settled(org, (v) => expect(v.total).toBe(1));
    await scrollPage(page, 1140); // (1140 + 720) / 3000 = 62 %
    await page.clock.fastForward(4_000);
    await page.click("#away"); // a real navigation away: pagehide
    const { visitors } = await settled(org, (v) =>
      expect(v.visitors[0]?.engagement.totalTimeSeconds).toBeGreaterThanOrEqual(1),
    );
    expect(visitors[0]!.engagement.totalTimeSeconds).toBeGreaterThanOrEqual(4);
    expect(visitors[0]!.engagement.avgScrollDepth).toBeGreaterThan(0);
  });

  it("does not spend a second credit when the visitor reloads within the billing period", async (ctx) => {
    const org = await seedOrganization(worker());
    const { page } = await visit(ctx, org);
    await settled(org, (v) => expect(v.creditsUsed).toBe(1));
    await page.reload();
    await page.reload();
    const { creditsUsed, total } = await settled(org, (v) => expect(v.visitors[0]?.engagement.pageViews).toBe(3));
    expect(total).toBe(1);
    expect(creditsUsed).toBe(1);
  });
});
