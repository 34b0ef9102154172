import { expect, it } from "vitest";
import { renderEmail, type EmailContent, type MailBrand } from "../../worker/email/template.ts";
import { describeBrowser, openPage, useBrowser } from "./support/chromium.ts";
import { expectAccessible, expectFitsWidth, shoot } from "./support/dashboard.ts";

/**
 * The e-mails' HTML in a real Chromium: accessible (axe-core, no serious or critical violation:
 * contrast whatever colours a partner picked, `lang`, alt text) and readable on a 375 px phone
 * without sideways scrolling. Screenshots in test-results/screenshots/.
 */

const CONTENT: EmailContent = {
  subject: "Harborline Logistics is on your pricing page",
  heading: "Harborline Logistics is on your pricing page",
  paragraphs: ["A company that matches your ideal customer profile is reading your pricing page right now."],
  sections: [
    {
      title: "The company",
      facts: [
        { label: "Industry", value: "Transportation & Logistics" },
        { label: "Employees", value: "1001-5000" },
        { label: "ICP score", value: "92" },
      ],
    },
    {
      title: "Pages of this visit",
      items: [
        { title: "/pricing", detail: "2 min 10 s, scrolled 90 %" },
        {
          title: "A page with a very long address that must wrap on a narrow phone screen",
          url: "https://acme.example/a/very/long/path/that/keeps/going/and/going/without/any/space",
        },
      ],
    },
  ],
  action: { label: "Open the company page", url: "https://insights.agency.example/o/org_1/companies/vis_1" },
  reason: "You get this e-mail because you follow visits to Acme Widgets.",
  unsubscribeUrl: "https://insights.agency.example/unsubscribe/token",
};

const BRANDS: [string, MailBrand][] = [
  [
    "violet with a logo",
    {
      name: "Demo Agency",
      logoUrl: "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='120' height='32'/%3E",
      primaryColor: "#6d28d9",
      secondaryColor: "#0e7490",
      supportEmail: "help@agency.example",
    },
  ],
  [
    "light yellow",
    { name: "Sunny Partners", logoUrl: null, primaryColor: "#fde047", secondaryColor: "#fef9c3", supportEmail: null },
  ],
  [
    "no colours",
    {
      name: "Plain Reseller",
      logoUrl: null,
      primaryColor: null,
      secondaryColor: null,
      supportEmail: "support@plain.example",
    },
  ],
];

describeBrowser("an e-mail's HTML", () => {
  const browser = useBrowser();

  for (const [look, brand] of BRANDS) {
    for (const width of [375, 800]) {
      it(`in the brand "${look}" is accessible and fits ${width} px`, async (ctx) => {
        const page = await openPage(browser(), ctx, { viewport: { width, height: 900 } });
        const { html, text } = renderEmail(brand, CONTENT);
        await page.setContent(html);
        expect(await page.locator("html").getAttribute("lang")).toBe("en");
        expect(await page.locator("h1").innerText()).toBe(CONTENT.heading);
        if (brand.logoUrl) expect(await page.getByRole("img").getAttribute("alt")).toBe(brand.name);
        await expectAccessible(page, `${look} at ${width}`);
        await expectFitsWidth(page, `${look} at ${width}`);
        await shoot(page, `email ${look} ${width}`);
        expect(text).toContain(`${CONTENT.action!.label}:\n${CONTENT.action!.url}`);
      });
    }
  }
});
