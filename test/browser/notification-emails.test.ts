import { expect, it } from "vitest";
import type { AlertContent } from "../../worker/alerts/wording.ts";
import { alertMail } from "../../worker/alerts/email.ts";
import { digestMail, type DigestData } from "../../worker/digests/render.ts";
import { renderEmail, type MailBrand } from "../../worker/email/template.ts";
import { describeBrowser, openPage, useBrowser } from "./support/chromium.ts";
import { expectAccessible, expectFitsWidth, shoot } from "./support/dashboard.ts";

/**
 * An alert and a digest as mailed, in a real Chromium: accessible (axe-core, no serious or critical
 * violation) and readable on a 375 px phone, with long names and paths. Screenshots in
 * test-results/screenshots/.
 */

const BRAND: MailBrand = {
  name: "Demo Agency",
  logoUrl: null,
  primaryColor: "#6d28d9",
  secondaryColor: "#f59e0b",
  supportEmail: "help@agency.example",
};
const DASHBOARD = "https://insights.agency.example/o/org_1";

const ALERT: AlertContent = {
  test: false,
  partnerId: "prt_1",
  organizationId: "org_1",
  ruleName: "ICP company on the pricing page",
  trigger: "page_viewed",
  organizationName: "Acme Widgets",
  title: "Harborline Logistics International Freight and Warehousing Holdings",
  domain: "harborline-logistics.example",
  facts: [
    { label: "Industry", value: "Transportation & Logistics" },
    { label: "Size", value: "1001-5000 employees" },
    { label: "Country", value: "US, Chicago" },
    { label: "ICP score", value: "92 (Logistics in North America)" },
    { label: "Visits", value: "3" },
  ],
  pages: ["/", "/pricing", "/a/very/long/path/that/keeps/going/and/going/without/any/space/at/all/anywhere"],
  morePages: 4,
  source: "google / cpc / spring-launch",
  link: `${DASHBOARD}/companies/vis_abcdefghijk`,
};

const entry = (name: string, detail: string, i: number) => ({
  title: `${name} (${name.toLowerCase().replace(/\W+/g, "-")}.example)`,
  detail,
  link: `${DASHBOARD}/companies/vis_${String(i).padStart(11, "0")}`,
});

const DIGEST: DigestData = {
  partnerId: "prt_1",
  organizationId: "org_1",
  organizationName: "Acme Widgets",
  productType: "B2B",
  period: { start: Date.parse("2026-03-04T07:00:00Z") / 1000, end: Date.parse("2026-03-05T07:00:00Z") / 1000 },
  segment: { id: "seg_1", name: "Pricing page visitors" },
  newVisitors: {
    entries: [
      entry(
        "Harborline Logistics International Freight and Warehousing Holdings",
        "Transportation · 1001-5000 employees · US · ICP 92 · 3 visits",
        1,
      ),
      entry("Lumen Analytics", "Software · 51-200 employees · DE · 1 visit", 2),
    ],
    total: 14,
  },
  returning: { entries: [entry("Orbit Freight", "Logistics · 11-50 employees · NL · 7 visits", 3)], total: 1 },
  topPages: [
    { path: "/pricing", views: 31 },
    { path: "/a/very/long/path/that/keeps/going/and/going/without/any/space/at/all/anywhere", views: 4 },
  ],
  credits: { available: 412, allocation: 500, periodEnd: "2026-04-01T00:00:00Z" },
  dashboard: DASHBOARD,
};

const MAILS = [
  ["alert", alertMail(ALERT)],
  ["daily digest", digestMail(DIGEST, "daily")],
  ["weekly digest", digestMail(DIGEST, "weekly")],
] as const;

describeBrowser("alerts and digests by e-mail", () => {
  const browser = useBrowser();

  for (const [what, content] of MAILS) {
    for (const width of [375, 800]) {
      it(`the ${what} is accessible and fits ${width} px`, async (ctx) => {
        const page = await openPage(browser(), ctx, { viewport: { width, height: 900 } });
        const { html } = renderEmail(BRAND, {
          ...content,
          unsubscribeUrl: "https://insights.agency.example/unsubscribe/t",
        });
        await page.setContent(html);
        expect(await page.locator("h1").innerText()).toBe(content.heading);
        const button = page.getByRole("link", { name: content.action!.label });
        expect(await button.getAttribute("href")).toBe(content.action!.url);
        await expectAccessible(page, `${what} at ${width}`);
        await expectFitsWidth(page, `${what} at ${width}`);
        await shoot(page, `email ${what} ${width}`);
      });
    }
  }

  it("a digest lists what was new and what came back, each linking to its company page", async (ctx) => {
    const page = await openPage(browser(), ctx, { viewport: { width: 800, height: 900 } });
    await page.setContent(renderEmail(BRAND, digestMail(DIGEST, "daily")).html);
    expect(await page.getByRole("heading", { level: 2 }).allInnerTexts()).toEqual([
      "New companies (14)",
      "Returning companies (1)",
      "Top pages",
    ]);
    expect(await page.getByRole("link", { name: /^Lumen Analytics/ }).getAttribute("href")).toBe(
      `${DASHBOARD}/companies/vis_00000000002`,
    );
    await expect.poll(() => page.getByText("and 12 more on the dashboard").count()).toBe(1);
  });
});
