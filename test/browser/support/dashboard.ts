/**
 * The client dashboard and the partner console in a real Chromium: signing in by link, and the
 * checks every page must pass (axe-core with no serious or critical violation, no CSP error),
 * with a screenshot of each page saved for review (test-results/screenshots/, git-ignored).
 */
import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import type { Browser, BrowserContextOptions, Page } from "playwright-core";
import { expect, type TestContext } from "vitest";
import type { SeededOrganization } from "./worker.ts";

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export const SCREENSHOTS = "test-results/screenshots";
export const PHONE = { width: 375, height: 812 };

/** The demo-like branding every test partner gets, so every page shows it. */
export const BRAND = { companyName: "Brightside Growth", primaryColor: "#6d28d9", secondaryColor: "#f59e0b" };

export async function brand(org: SeededOrganization) {
  await org.api("PUT", "/api/v1/partner/branding", BRAND);
}

export async function dashboardLink(org: SeededOrganization, role: "viewer" | "admin" = "admin") {
  const { dashboardLink } = await org.api<{ dashboardLink: { url: string } }>(
    "POST",
    `/api/v1/partner/organizations/${org.organizationId}/dashboard-links`,
    { email: "jane@client.example", role },
  );
  return dashboardLink.url;
}

export async function consoleLink(org: SeededOrganization, role?: "viewer" | "staff" | "admin") {
  const { consoleLink } = await org.api<{ consoleLink: { url: string } }>("POST", "/api/v1/partner/console-links", {
    email: "sam@agency.example",
    ...(role ? { role } : {}),
  });
  return consoleLink.url;
}

/** A fresh browser context (no cookies) whose page reports console errors: failed loads, CSP violations, script errors. */
export async function openTab(browser: Browser, ctx: TestContext, options: BrowserContextOptions = {}) {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    // A refusal page's own 4xx status is its answer, not a failure of the page.
    if (m.text().startsWith("Failed to load resource") && m.location().url === page.url()) return;
    errors.push(`${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => errors.push(e.message));
  ctx.onTestFinished(async () => {
    if (ctx.task.result?.state === "fail") await shoot(page, `FAILED-${ctx.task.name}`);
    await context.close();
  });
  return { page, context, errors };
}

export async function shoot(page: Page, name: string) {
  await mkdir(SCREENSHOTS, { recursive: true });
  const slug = name
    .replace(/[^a-z0-9]+/gi, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 100);
  await page.screenshot({ path: `${SCREENSHOTS}/${slug}.png`, fullPage: true, timeout: 10_000 });
}

/** axe-core inside the page (evaluated over the DevTools protocol, which the page's CSP does not govern). */
export async function expectAccessible(page: Page, what: string) {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document): Promise<{ violations: Violation[] }> } }).axe;
    const result = await axe.run(document);
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
  });
  expect(violations, `axe-core on ${what}`).toEqual([]);
}

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Nothing wider than the viewport: no sideways scrolling of the page itself. */
export async function expectFitsWidth(page: Page, what: string) {
  const { scrollWidth, width } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  expect(scrollWidth, `${what} is ${scrollWidth}px wide in a ${width}px viewport`).toBeLessThanOrEqual(width);
}

/** Every check of a page, then its screenshot. */
export async function checkPage(page: Page, name: string, errors: string[]) {
  await expectAccessible(page, name);
  await expectFitsWidth(page, name);
  expect(errors, `console errors on ${name}`).toEqual([]);
  await shoot(page, name);
}

/** The page's main heading. */
export const heading = (page: Page) => page.locator("h1").innerText();
