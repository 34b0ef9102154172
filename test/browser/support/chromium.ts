/**
 * A real headless Chromium for the browser tests (system binary, no download).
 *
 * Missing binary: the suites are skipped with a loud warning on a developer
 * machine, but fail under CI=true, where a skipped suite would be a silent hole.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, type TestContext } from "vitest";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM_PATH);
const inCI = process.env.CI === "true";

if (!hasChromium && !inCI) {
  console.warn(
    `\n!!! Chromium not found at ${CHROMIUM_PATH}: browser tests are SKIPPED.\n` +
      `!!! Install it (apt-get install chromium) or set CHROMIUM_PATH.\n`,
  );
}

/** `describe` when a browser is available (or in CI, where launching then fails loudly), else `describe.skip`. */
export const describeBrowser: typeof describe = hasChromium || inCI ? describe : (describe.skip as typeof describe);

export interface LaunchOptions {
  /** Keep the back/forward cache on (Playwright turns it off by default). */
  bfcache?: boolean;
}

export async function launchChromium(opts: LaunchOptions = {}): Promise<Browser> {
  if (!hasChromium) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}${inCI ? " (CI=true: browser tests may not be skipped)" : ""}`,
    );
  }
  // launch() always starts from a fresh temporary user-data-dir, removed on close.
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    // Without --enable-automation Chromium may still report navigator.webdriver
    // (headless does); tests that care set it explicitly with an init script.
    ignoreDefaultArgs: ["--enable-automation", ...(opts.bfcache ? ["--disable-back-forward-cache"] : [])],
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
      // Any *.test host is this machine: http://site.test is a non-secure context.
      "--host-resolver-rules=MAP *.test 127.0.0.1",
    ],
  });
}

/** One browser per test file, launched before its tests and closed after them. */
export function useBrowser(opts?: LaunchOptions): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium(opts);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error("browser not launched");
    return browser;
  };
}

/**
 * A page in a fresh context (own storage and cache) that is closed when the test
 * ends; on failure a full-page screenshot goes to test-results/ first.
 */
export async function openPage(browser: Browser, ctx: TestContext, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  // onTestFinished runs before onTestFailed, so one hook does both, in order.
  ctx.onTestFinished(async () => {
    if (ctx.task.result?.state === "fail") await screenshot(page, ctx.task.name);
    await context.close();
  });
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string | undefined> {
  if (page.isClosed()) return;
  const slug = name
    .replace(/[^a-z0-9]+/gi, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 100);
  const path = `test-results/${slug}.png`;
  try {
    await mkdir("test-results", { recursive: true });
    await page.screenshot({ path, fullPage: true, timeout: 5_000 });
    console.error(`screenshot saved: ${path}`);
    return path;
  } catch (err) {
    console.error(`screenshot failed: ${err}`);
  }
}

/** Scrolls the page and resolves once the scroll event was dispatched (listeners added before, the pixel's, have run). */
export async function scrollPage(page: Page, y: number): Promise<void> {
  await page.evaluate(
    (y) =>
      new Promise<void>((resolve) => {
        if (window.scrollY === y) return resolve();
        addEventListener("scroll", () => resolve(), { once: true });
        window.scrollTo(0, y);
      }),
    y,
  );
}
