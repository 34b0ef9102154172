/**
 * Per-file wiring for the pixel tests: one browser, one hit sink, and a fresh
 * page per test (own context, so storage and history never leak between tests).
 */
import type { BrowserContextOptions, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, type TestContext } from "vitest";
import { pixelBundle } from "./bundle.ts";
import { type LaunchOptions, openPage, useBrowser } from "./chromium.ts";
import { type HitSink, ofType, type PageOptions, startHitSink } from "./hit-sink.ts";

export interface OpenOptions extends PageOptions {
  context?: BrowserContextOptions;
  /** Runs in the page before any of its scripts (e.g. to fake navigator properties). */
  init?: string;
  /** Install Playwright's fake clock, so tests can fast-forward `performance.now()`. */
  clock?: boolean;
  /** Path of the first page (default "/"). */
  path?: string;
  /** Host name for the site instead of 127.0.0.1; any *.test name resolves here and is not a secure context. */
  host?: string;
  /** Referer of the first navigation (becomes document.referrer). */
  referer?: string;
  /** Called with the page before its first navigation, e.g. to attach listeners. */
  before?: (page: Page) => void;
  /** Wait for the first page view (default true). */
  waitForView?: boolean;
}

export function usePixelHarness(launch?: LaunchOptions) {
  const browser = useBrowser(launch);
  let sink: HitSink | undefined;
  beforeAll(async () => {
    sink = await startHitSink((await pixelBundle()).builds);
  });
  afterAll(async () => {
    await sink?.close();
  });
  beforeEach(() => sink?.reset());

  const get = () => {
    if (!sink) throw new Error("hit sink not started");
    return sink;
  };

  /** Opens the test site in a new page; by default resolves after its first page view arrived. */
  async function open(ctx: TestContext, o: OpenOptions = {}): Promise<Page> {
    const s = get();
    s.setPage(o);
    const page = await openPage(browser(), ctx, o.context);
    if (o.init) await page.addInitScript(o.init);
    if (o.clock) await page.clock.install();
    o.before?.(page);
    const url = siteUrl(s, o.path ?? "/", o.host);
    await page.goto(url, { referer: o.referer });
    if (o.waitForView !== false) await s.waitFor((h) => ofType(h, "v").some((v) => v.u === url), `a view of ${url}`);
    return page;
  }

  return { sink: get, open };
}

export function siteUrl(s: HitSink, path: string, host?: string): string {
  const url = new URL(path, s.site);
  if (host) url.hostname = host;
  return url.href;
}

/** Fake a visibility change (headless pages are always visible). */
export async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((hidden) => {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => hidden });
    Object.defineProperty(document, "visibilityState", {
      configurable: true,
      get: () => (hidden ? "hidden" : "visible"),
    });
    // Browsers fire it bubbling, so window listeners see it too.
    document.dispatchEvent(new Event("visibilitychange", { bubbles: true }));
  }, hidden);
}
