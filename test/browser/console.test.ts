/**
 * The partner console's actions and the client overview's latest companies in a real Chromium
 * against the real Worker: every new page axe-clean (no serious or critical violation), without
 * console or CSP errors and fitting a 375 px screen; what the pages did agrees with the partner API.
 * Screenshots: test-results/screenshots/.
 */
import { expect, it, type TestContext, vi } from "vitest";
import { describeBrowser } from "./support/chromium.ts";
import { PHONE, brand, checkPage, consoleLink, dashboardLink, heading, openTab } from "./support/dashboard.ts";
import { useEndToEnd } from "./support/site.ts";
import { partnerView, seedOrganization, type SeededOrganization } from "./support/worker.ts";

interface Organization {
  id: string;
  name: string;
  status: string;
  credits: number;
}

const organizationOf = async (org: SeededOrganization, id: string) =>
  (await org.api<{ organization: Organization }>("GET", `/api/v1/partner/organizations/${id}`)).organization;

describeBrowser("the partner console's actions and the overview's latest companies", () => {
  const { worker, browser, visit } = useEndToEnd();

  /** A branded partner whose client this machine visited ("Loopback Labs"). */
  async function visitedClient(ctx: TestContext) {
    const org = await seedOrganization(worker(), { credits: 50 });
    await brand(org);
    const { page } = await visit(ctx, org, { path: "/pricing" });
    await vi.waitFor(async () => expect((await partnerView(org)).visitors).toHaveLength(1), {
      timeout: 15_000,
      interval: 250,
    });
    await page.close();
    return org;
  }

  it("the overview lists the latest identified companies as the feed does, each opening its page", async (ctx) => {
    const org = await visitedClient(ctx);
    const { page, errors } = await openTab(browser(), ctx);
    await page.goto(await dashboardLink(org));
    const latest = page.getByRole("region", { name: "Latest companies" });
    await expect.poll(() => latest.locator("tbody tr").count()).toBe(1);
    const row = latest.locator("tbody tr").first();
    expect(await row.innerText()).toMatch(/Loopback Labs\s+loopback-labs\.example\s+Software/);
    const { visitors } = await partnerView(org);
    expect(await row.getAttribute("data-visitor")).toBe(visitors[0]!.id);
    await checkPage(page, "client-overview-latest", errors);
    await row.getByRole("link", { name: "Loopback Labs" }).click();
    await expect.poll(() => heading(page)).toBe("Loopback Labs");
  });

  it("a console admin creates a client, allocates credits, pauses and resumes it, on a phone too", async (ctx) => {
    const org = await seedOrganization(worker(), { poolTotal: 1_000, credits: 10 });
    await brand(org);
    const { page, errors } = await openTab(browser(), ctx, { viewport: PHONE, isMobile: true, hasTouch: true });
    await page.goto(await consoleLink(org, "admin"));
    await page.getByRole("link", { name: "New client" }).click();
    await expect.poll(() => heading(page)).toBe("New client");
    await checkPage(page, "console-new-client-375px", errors);

    await page.getByLabel("Name").fill("Contoso Dental");
    await page.getByLabel("Website").fill("www.contoso.example");
    await page.getByLabel("Plan").selectOption("paid");
    await page.getByLabel("Credits per period").fill("300");
    await page.getByRole("button", { name: "Create client" }).click();
    await expect.poll(() => heading(page)).toBe("Contoso Dental");
    expect(await page.getByRole("status").innerText()).toContain("Client created.");
    const id = /\/console\/clients\/(org_[0-9a-f]+)/.exec(page.url())![1]!;
    expect(await organizationOf(org, id)).toMatchObject({ name: "Contoso Dental", credits: 300, status: "active" });
    expect(await page.locator("#tag").inputValue()).toMatch(/^<script async src="[^"]+\.js"><\/script>$/);
    await checkPage(page, "console-client-created-375px", errors);

    await page.getByLabel(/Allocation per period/).fill("450");
    await page.getByLabel("Note for the ledger (optional)").fill("Spring campaign");
    await page.getByRole("button", { name: "Save allocation" }).click();
    await expect.poll(() => page.getByRole("status").innerText()).toBe("Allocation saved.");
    expect((await organizationOf(org, id)).credits).toBe(450);
    expect(await page.locator('tr[data-action="credits.allocated"]').innerText()).toContain(
      "Allocation set to 450 (was 300)",
    );

    await page.getByRole("button", { name: "Pause client" }).click();
    await expect.poll(() => page.locator('[data-field="status"]').innerText()).toContain("Paused");
    expect((await organizationOf(org, id)).status).toBe("suspended");
    await checkPage(page, "console-client-paused-375px", errors);
    await page.getByRole("button", { name: "Resume client" }).click();
    await expect.poll(() => page.locator('[data-field="status"]').innerText()).toContain("Active");
    expect((await organizationOf(org, id)).status).toBe("active");

    // No mail transport in this Worker: the page says so instead of failing.
    await page.getByLabel("E-mail address").fill("jane@contoso.example");
    await page.getByRole("button", { name: "Send link" }).click();
    await expect.poll(() => page.getByRole("alert").innerText()).toContain("could not be delivered");
    await checkPage(page, "console-client-mail-failed-375px", errors);

    await page.getByRole("link", { name: "Clients" }).first().click();
    await expect.poll(() => heading(page)).toBe("Clients");
    expect(await page.locator(`tr[data-organization="${id}"]`).innerText()).toContain("0 / 450");
  });

  it("a console viewer sees the client without a single form that changes it, and opens its dashboard as a viewer", async (ctx) => {
    const org = await visitedClient(ctx);
    const { page, errors } = await openTab(browser(), ctx);
    await page.goto(await consoleLink(org, "viewer"));
    await expect.poll(() => heading(page)).toBe("Clients");
    expect(await page.getByRole("link", { name: "New client" }).count()).toBe(0);
    await page.getByRole("link", { name: "Client site" }).click();
    await expect.poll(() => heading(page)).toBe("Client site");
    for (const button of ["Save allocation", "Pause client", "Send link"]) {
      expect(await page.getByRole("button", { name: button }).count(), button).toBe(0);
    }
    await checkPage(page, "console-client-viewer", errors);
    await page.getByRole("button", { name: /Open dashboard/ }).click();
    await expect.poll(() => heading(page)).toBe("Overview");
    expect(await page.getByRole("link", { name: "Exclusions" }).count()).toBe(0);
  });
});
