/**
 * The client dashboard and the partner console in a real Chromium against the real Worker:
 * sign-in by link, every page accessible (axe-core), usable by keyboard and at 375 px, the
 * figures agreeing with the partner API. Screenshots of every page: test-results/screenshots/.
 */
import { readFile } from "node:fs/promises";
import type { Page } from "playwright-core";
import { expect, it, type TestContext, vi } from "vitest";
import { describeBrowser } from "./support/chromium.ts";
import {
  BRAND,
  PHONE,
  brand,
  checkPage,
  consoleLink,
  dashboardLink,
  heading,
  openTab,
  shoot,
} from "./support/dashboard.ts";
import { useEndToEnd } from "./support/site.ts";
import { type LocalWorker, partnerView, type SeededOrganization, seedOrganization } from "./support/worker.ts";

const settled = (org: SeededOrganization, pred: (v: Awaited<ReturnType<typeof partnerView>>) => void) =>
  vi.waitFor(
    async () => {
      const view = await partnerView(org);
      pred(view);
      return view;
    },
    { timeout: 15_000, interval: 250 },
  );

/** A branded partner whose client was visited by this machine ("Loopback Labs") on two pages. */
async function visitedClient(worker: LocalWorker, visit: ReturnType<typeof useEndToEnd>["visit"], ctx: TestContext) {
  const org = await seedOrganization(worker, { credits: 50 });
  await brand(org);
  const { page } = await visit(ctx, org, { path: "/pricing" });
  await page.evaluate(() => history.pushState({}, "", "/docs/setup"));
  await settled(org, (v) => expect(v.visitors[0]?.engagement.pageViews).toBe(2));
  await page.close();
  return org;
}

/** `count` identified companies of the organization, last seen a second apart, written straight into D1 as the consumer keeps them. */
async function seedCompanies(worker: LocalWorker, organizationId: string, count: number) {
  const db = await worker.db();
  const now = Math.floor(Date.now() / 1000);
  await db
    .prepare("INSERT OR IGNORE INTO organization_keys (organization_id, salt) VALUES (?, ?)")
    .bind(organizationId, crypto.randomUUID())
    .run();
  const { key } = (await db
    .prepare("SELECT key FROM organization_keys WHERE organization_id = ?")
    .bind(organizationId)
    .first<{ key: number }>())!;
  await db.batch([
    db
      .prepare(
        `INSERT INTO visitors (org, id, type, first_seen, last_seen, sessions, page_views, name, domain, industry,
           employee_range, hq_country)
         WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?1)
         SELECT ?2, printf('seed%07d', n), 'company', ?3 - 3600 - n, ?3 - 3600 - n, 1, 1, printf('Export Co %04d', n),
           printf('export-%04d.example', n), CASE n % 3 WHEN 0 THEN 'Software' WHEN 1 THEN 'Retail' ELSE 'Healthcare' END,
           '51-200', 'US'
         FROM seq`,
      )
      .bind(count, key, now),
    // The search terms the consumer writes: each word of the name and domain, behind the organization's key.
    db
      .prepare(
        `INSERT INTO visitor_search (rowid, terms)
         SELECT seq, printf('k%dzexport k%dzco k%dz%s k%dzexample', ?1, ?1, ?1, substr(name, 11), ?1) FROM visitors
         WHERE org = ?1`,
      )
      .bind(key),
    db.prepare("UPDATE organization_keys SET visitors = visitors + ? WHERE key = ?").bind(count, key),
  ]);
}

const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(", ")})`;

async function feedNamesAcrossPages(page: Page) {
  const names: string[] = [];
  for (;;) {
    names.push(...(await page.locator("tbody tr td:first-child a").allInnerTexts()));
    const next = page.getByRole("link", { name: "Next page" });
    if ((await next.count()) === 0) return names;
    await next.click();
    await page.waitForLoadState();
  }
}

/** CSV text → rows of cells (RFC 4180 quoting). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
    } else if (ch !== "\r") cell += ch;
  }
  return rows;
}

describeBrowser("the client dashboard and the partner console", () => {
  const { worker, browser, visit } = useEndToEnd();

  it("a client opens the link, finds their own visit as Loopback Labs with its pages, in the partner's colours", async (ctx) => {
    const org = await visitedClient(worker(), visit, ctx);
    const { page, errors } = await openTab(browser(), ctx);
    await page.goto(await dashboardLink(org));
    expect(new URL(page.url()).pathname).toBe(`/app/o/${org.organizationId}`);
    expect(await page.title()).toBe(`Overview · Client site · ${BRAND.companyName}`);
    const header = await page.locator("header.top").evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(header).toBe(rgb(BRAND.primaryColor));
    expect(await page.content()).not.toMatch(/sightline/i);
    await expect.poll(() => page.locator(".kpi").first().innerText()).toContain("1");
    await checkPage(page, "client-overview", errors);

    // The chart's tooltip, when the page's script runs.
    await page.locator("#companies-t + svg rect[data-tip]").last().hover();
    await expect.poll(() => page.locator(".chart .tip").innerText()).toMatch(/: 1 company$/);

    await page.getByRole("link", { name: "Companies", exact: true }).click();
    await expect.poll(() => heading(page)).toBe("Companies");
    await checkPage(page, "client-companies", errors);
    await page.getByRole("link", { name: "Loopback Labs" }).click();
    await expect.poll(() => heading(page)).toBe("Loopback Labs");
    const story = await page.locator("main").innerText();
    expect(story).toContain("/pricing");
    expect(story).toContain("/docs/setup");
    await checkPage(page, "client-company", errors);

    await page.getByRole("link", { name: "Exclusions" }).click();
    await expect.poll(() => heading(page)).toBe("Exclusions");
    await checkPage(page, "client-exclusions", errors);
  });

  it("every page is usable by keyboard alone: skip link, navigation, filters, a company, sign-out", async (ctx) => {
    const org = await visitedClient(worker(), visit, ctx);
    const { page, errors } = await openTab(browser(), ctx);
    await page.goto(await dashboardLink(org));
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe("Skip to content");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");

    // From the top, Tab reaches the navigation; Enter follows the link.
    await page.goto(page.url());
    const focusedText = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");
    for (let i = 0; i < 30 && (await focusedText()) !== "Companies"; i++) await page.keyboard.press("Tab");
    expect(await focusedText()).toBe("Companies");
    await page.keyboard.press("Enter");
    await expect.poll(() => heading(page)).toBe("Companies");

    // The filter form: type a search, submit with Enter; empty fields stay out of the address.
    await page.getByLabel("Search").focus();
    await page.keyboard.type("loop");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\?q=loop$/);
    expect(await page.locator("tbody tr").count()).toBe(1);

    const company = page.getByRole("link", { name: "Loopback Labs" });
    await company.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => heading(page)).toBe("Loopback Labs");

    await page.getByRole("button", { name: "Sign out" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => heading(page)).toBe("You have signed out");
    await checkPage(page, "client-signed-out", errors);
  });

  it("every page works without JavaScript: sign-in, filters, a company, the export, saving exclusions, sign-out", async (ctx) => {
    const org = await visitedClient(worker(), visit, ctx);
    const { page, errors } = await openTab(browser(), ctx, { javaScriptEnabled: false });
    await page.goto(await dashboardLink(org));
    expect(await heading(page)).toBe("Overview");
    await page.getByRole("link", { name: "Companies", exact: true }).click();
    await page.getByLabel("Search").fill("loopback");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL(/q=loopback/);
    expect(await page.locator("tbody tr").count()).toBe(1);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Export CSV" }).click(),
    ]);
    expect(parseCsv(await readFile((await download.path())!, "utf8"))[1]![0]).toBe("Loopback Labs");
    await page.getByRole("link", { name: "Loopback Labs" }).click();
    await expect.poll(() => heading(page)).toBe("Loopback Labs");
    await page.getByRole("link", { name: "Exclusions" }).click();
    await page.getByLabel(/^Domains/).fill("rival.example");
    await page.getByRole("button", { name: "Save exclusions" }).click();
    await expect.poll(() => page.getByRole("status").innerText()).toBe("Exclusions saved.");
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => heading(page)).toBe("You have signed out");
    const after = await page.goto(new URL(`/app/o/${org.organizationId}`, page.url()).href);
    expect(after?.status()).toBe(401);
    expect(await heading(page)).toBe("You are signed out");
    expect(errors).toEqual([]);
  });

  it("works at 375 px wide: every page fits the screen and passes axe-core", async (ctx) => {
    const org = await visitedClient(worker(), visit, ctx);
    const { page, errors } = await openTab(browser(), ctx, { viewport: PHONE, isMobile: true, hasTouch: true });
    await page.goto(await dashboardLink(org));
    const root = new URL(page.url()).pathname;
    const visitorId = (await partnerView(org)).visitors[0]!.id;
    for (const [name, path] of [
      ["overview", root] as const,
      ["companies", `${root}/companies`],
      ["company", `${root}/companies/${visitorId}`],
      ["exclusions", `${root}/exclusions`],
    ]) {
      await page.goto(new URL(path, page.url()).href);
      await checkPage(page, `client-${name}-375px`, errors);
    }
    const tab = await openTab(browser(), ctx, { viewport: PHONE, isMobile: true, hasTouch: true });
    await tab.page.goto(await consoleLink(org));
    await expect.poll(() => heading(tab.page)).toBe("Clients");
    await checkPage(tab.page, "console-clients-375px", tab.errors);
  });

  it("a client admin saves the filtered feed as a view, opens it from the navigation on a phone too, and deletes it", async (ctx) => {
    const org = await visitedClient(worker(), visit, ctx);
    const { page, errors } = await openTab(browser(), ctx);
    await page.goto(await dashboardLink(org));
    await page.getByRole("link", { name: "Companies", exact: true }).click();
    await page.getByLabel("Viewed pages").fill("/pricing*");
    await page.getByLabel("ICP match").selectOption("Any");
    await page.getByRole("button", { name: "Apply filters" }).click();
    await page.waitForURL(/pages=%2Fpricing\*$/);
    expect(await page.locator("tbody tr td:first-child a").allInnerTexts()).toEqual(["Loopback Labs"]);
    await checkPage(page, "client-companies-save-view", errors);

    await page.getByLabel("Name of this view").fill("Pricing visitors");
    await page.getByRole("button", { name: "Save this view" }).click();
    await expect.poll(() => heading(page)).toBe("Pricing visitors");
    expect(await page.getByRole("status").innerText()).toContain("View saved");
    await checkPage(page, "client-saved-view", errors);
    const { segments } = await org.api<{ segments: { id: string; filter: unknown }[] }>(
      "GET",
      `/api/v1/partner/organizations/${org.organizationId}/segments`,
    );
    expect(segments).toEqual([expect.objectContaining({ name: "Pricing visitors", filter: { pages: ["/pricing*"] } })]);

    // From any page, the navigation opens the view.
    await page.getByRole("link", { name: "Overview" }).click();
    await expect.poll(() => heading(page)).toBe("Overview");
    await page.getByText("Saved views (1)").click();
    await page.getByRole("link", { name: "Pricing visitors" }).click();
    await expect.poll(() => heading(page)).toBe("Pricing visitors");
    expect(new URL(page.url()).search).toBe(`?view=${segments[0]!.id}`);
    expect(await page.locator("tbody tr td:first-child a").allInnerTexts()).toEqual(["Loopback Labs"]);

    const phone = await openTab(browser(), ctx, { viewport: PHONE, isMobile: true, hasTouch: true });
    await phone.page.goto(await dashboardLink(org));
    await phone.page.getByText("Saved views (1)").click();
    await phone.page.getByRole("link", { name: "Pricing visitors" }).click();
    await expect.poll(() => heading(phone.page)).toBe("Pricing visitors");
    await phone.page.getByText("Saved views (1)").click();
    await checkPage(phone.page, "client-saved-view-375px", phone.errors);
    await phone.page.goto(new URL(`/app/o/${org.organizationId}/companies?pages=%2Fdocs*&country=US`, page.url()).href);
    await checkPage(phone.page, "client-companies-save-view-375px", phone.errors);

    await page.getByRole("button", { name: "Delete this view" }).click();
    await expect.poll(() => heading(page)).toBe("Companies");
    expect(await page.getByRole("status").innerText()).toBe("The saved view was deleted.");
    expect(await page.getByText("Saved views (").count()).toBe(0);
    await checkPage(page, "client-saved-view-deleted", errors);
  });

  it("a link opened a second time, or after it expired, shows a clear page and starts no session", async (ctx) => {
    const org = await seedOrganization(worker());
    await brand(org);
    const url = await dashboardLink(org);
    const first = await openTab(browser(), ctx);
    await first.page.goto(url);
    expect(await heading(first.page)).toBe("Overview");

    const second = await openTab(browser(), ctx);
    const reused = await second.page.goto(url);
    expect(reused?.status()).toBe(410);
    expect(await heading(second.page)).toBe("This sign-in link was already used");
    expect(await second.page.title()).toContain(BRAND.companyName);
    expect(await second.context.cookies()).toEqual([]);
    await checkPage(second.page, "sign-in-link-used", second.errors);

    const late = await dashboardLink(org);
    const partnerId = (await (
      await worker().db()
    )
      .prepare("SELECT partner_id AS id FROM organizations WHERE id = ?")
      .bind(org.organizationId)
      .first<{ id: string }>())!.id;
    await (
      await worker().catalog()
    )
      .prepare("UPDATE sign_in_links SET expires_at = '2000-01-01T00:00:00Z' WHERE partner_id = ? AND used_at IS NULL")
      .bind(partnerId)
      .run();
    const third = await openTab(browser(), ctx);
    const expired = await third.page.goto(late);
    expect(expired?.status()).toBe(410);
    expect(await heading(third.page)).toBe("This sign-in link has expired");
    expect(await third.context.cookies()).toEqual([]);
    await checkPage(third.page, "sign-in-link-expired", third.errors);
  });

  it("N6: a sign-in link another site sends a signed-in person to asks before switching sessions", async (ctx) => {
    const victim = await seedOrganization(worker());
    await brand(victim);
    const attacker = await seedOrganization(worker());
    const { page, context, errors } = await openTab(browser(), ctx);
    await page.goto(await dashboardLink(victim));
    expect(new URL(page.url()).pathname).toBe(`/app/o/${victim.organizationId}`);
    // Another site links to a sign-in link of an account of its own (any partner can mint one).
    const trap = await dashboardLink(attacker);
    await context.route("http://attacker.test/**", (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><html lang="en"><title>Prize</title><a href="${trap}">Claim your prize</a></html>`,
      }),
    );
    const lure = async () => {
      await page.goto("http://attacker.test/");
      await page.getByRole("link", { name: "Claim your prize" }).click();
      await page.waitForLoadState();
    };

    await lure();
    expect(await heading(page)).toBe("Switch sessions?");
    expect(await page.locator("main").innerText()).toContain("jane@client.example");
    await checkPage(page, "sign-in-switch-sessions", errors);
    await page.getByRole("link", { name: "Keep my current session" }).click();
    await page.waitForLoadState();
    expect(new URL(page.url()).pathname).toBe(`/app/o/${victim.organizationId}`);

    // The link was not spent: a person who does mean to switch confirms on the page.
    await lure();
    await page.getByRole("button", { name: /^Sign in as/ }).click();
    await page.waitForLoadState();
    expect(new URL(page.url()).pathname).toBe(`/app/o/${attacker.organizationId}`);
    expect(await heading(page)).toBe("Overview");
  });

  it("a form posted with a forged CSRF token is refused and changes nothing", async (ctx) => {
    const org = await seedOrganization(worker());
    const { page, errors } = await openTab(browser(), ctx);
    await page.goto(await dashboardLink(org));
    await page.getByRole("link", { name: "Exclusions" }).click();
    await page.getByLabel(/^Domains/).fill("rival.example");
    await page
      .locator('input[name="_csrf"]')
      .last()
      .evaluate((el) => ((el as HTMLInputElement).value = "0".repeat(64)));
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.getByRole("button", { name: "Save exclusions" }).click(),
    ]);
    expect(response.status()).toBe(403);
    await expect.poll(() => heading(page)).toBe("This form has expired");
    await checkPage(page, "form-refused-csrf", errors);
    const saved = await org.api("GET", `/api/v1/partner/organizations/${org.organizationId}/exclusions`);
    expect(saved).toMatchObject({ domains: [], updatedAt: null });
  });

  it("another organization's pages answer 404 to a client session", async (ctx) => {
    const org = await seedOrganization(worker());
    const other = await seedOrganization(worker());
    const { page, errors } = await openTab(browser(), ctx);
    await page.goto(await dashboardLink(org));
    for (const suffix of ["", "/companies", "/exclusions", "/companies.csv"]) {
      const res = await page.goto(new URL(`/app/o/${other.organizationId}${suffix}`, page.url()).href);
      expect(res?.status(), suffix).toBe(404);
      expect(await heading(page)).toBe("Page not found");
    }
    await checkPage(page, "another-organization-404", errors);

    const stranger = await openTab(browser(), ctx);
    const signedOut = await stranger.page.goto(new URL(`/app/o/${org.organizationId}`, page.url()).href);
    expect(signedOut?.status()).toBe(401);
    expect(await heading(stranger.page)).toBe("You are signed out");
    await checkPage(stranger.page, "signed-out-401", stranger.errors);
    const unknown = await stranger.page.goto(new URL(`/app/sign-in/${"f".repeat(64)}`, page.url()).href);
    expect(unknown?.status()).toBe(404);
    expect(await heading(stranger.page)).toBe("This sign-in link is not valid");
    await checkPage(stranger.page, "sign-in-link-not-valid", stranger.errors);
  });

  it("the CSV export holds exactly the feed's rows, in its order, with its filters", async (ctx) => {
    const org = await seedOrganization(worker(), { importLocal: false });
    await seedCompanies(worker(), org.organizationId, 60);
    const { page } = await openTab(browser(), ctx);
    await page.goto(await dashboardLink(org));
    for (const filter of ["", "?industry=Software"]) {
      await page.goto(new URL(`/app/o/${org.organizationId}/companies${filter}`, page.url()).href);
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.getByRole("link", { name: "Export CSV" }).click(),
      ]);
      const csv = parseCsv((await readFile((await download.path())!, "utf8")).replace(/^\uFEFF/, ""));
      const feed = await feedNamesAcrossPages(page);
      expect(feed).toHaveLength(filter ? 20 : 60);
      expect(csv.slice(1).map((row) => row[0])).toEqual(feed);
    }
  });

  it("an exclusion set on the page stops identification and charging; the visit is counted as excluded", async (ctx) => {
    const org = await seedOrganization(worker(), { credits: 5 });
    const { page, errors } = await openTab(browser(), ctx);
    await page.goto(await dashboardLink(org));
    await page.getByRole("link", { name: "Exclusions" }).click();
    await page.getByLabel(/^IP addresses/).fill("127.0.0.0/8\n::1/128");
    await page.getByRole("button", { name: "Save exclusions" }).click();
    await expect.poll(() => page.getByRole("status").innerText()).toBe("Exclusions saved.");
    await shoot(page, "client-exclusions-saved");

    await visit(ctx, org, { path: "/pricing" });
    const outcomes = await vi.waitFor(
      async () => {
        const r = await org.api<{ receipts: unknown[]; counts: { byReason: Record<string, number> } }>(
          "GET",
          `/api/v1/partner/organizations/${org.organizationId}/receipts`,
        );
        expect(r.counts.byReason.excluded).toBeGreaterThan(0);
        return r;
      },
      { timeout: 15_000, interval: 250 },
    );
    expect(outcomes).toMatchObject({ receipts: [], counts: { byReason: { excluded: 1, charged: 0 } } });
    const view = await partnerView(org);
    expect(view).toMatchObject({ total: 0, creditsUsed: 0 });

    await page.getByRole("link", { name: "Overview" }).click();
    const reasons = await page.locator("section", { hasText: "Why page views were not identified" }).innerText();
    expect(reasons).toMatch(/Excluded by you\s+1\s+100%/);
    await checkPage(page, "client-overview-excluded", errors);
  });

  it("the console lists every client with the API's numbers and opens a client's dashboard, on the record", async (ctx) => {
    const org = await visitedClient(worker(), visit, ctx);
    const quiet = await org.api<{ organization: { id: string } }>("POST", "/api/v1/partner/organizations", {
      name: "Quiet client",
      tier: "trial",
      initialCredits: 20,
    });
    const { page, errors } = await openTab(browser(), ctx);
    await page.goto(await consoleLink(org));
    expect(await page.title()).toBe(`Clients · Console · ${BRAND.companyName}`);
    await checkPage(page, "console-clients", errors);

    const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
    for (const id of [org.organizationId, quiet.organization.id]) {
      const row = page.locator(`tr[data-organization="${id}"]`);
      const field = (name: string) => row.locator(`[data-field="${name}"]`).innerText();
      const { organization } = await org.api<{ organization: { creditsUsed: number; credits: number } }>(
        "GET",
        `/api/v1/partner/organizations/${id}`,
      );
      expect(await field("credits")).toBe(`${organization.creditsUsed} / ${organization.credits}`);
      for (const [days, name] of [
        [7, "identified-7"],
        [30, "identified-30"],
      ] as const) {
        const { total } = await org.api<{ total: number }>(
          "GET",
          `/api/v1/partner/organizations/${id}/visitors?from=${day(days - 1)}`,
        );
        expect(Number(await field(name)), name).toBe(total);
      }
      expect(await row.innerText()).toContain(id === org.organizationId ? "Last hit" : "No hit in the last 24 h");
    }
    const { partner } = await org.api<{ partner: { creditPoolUsed: number; creditPoolTotal: number } }>(
      "GET",
      "/api/v1/partner/me",
    );
    expect(await page.locator(".kpi").first().innerText()).toContain(
      `${partner.creditPoolUsed.toLocaleString("en-US")} of ${partner.creditPoolTotal.toLocaleString("en-US")} allocated`,
    );

    await page
      .locator(`tr[data-organization="${org.organizationId}"]`)
      .getByRole("button", { name: /Open dashboard/ })
      .click();
    await expect.poll(() => heading(page)).toBe("Overview");
    expect(await page.locator(".notice").innerText()).toContain("sam@agency.example");
    await checkPage(page, "console-opened-client-dashboard", errors);
    const log = await org.api<{ entries: { action: string; actor: { email: string } }[] }>(
      "GET",
      `/api/v1/partner/audit-log?organizationId=${org.organizationId}&action=client_dashboard.opened`,
    );
    expect(log.entries).toEqual([
      expect.objectContaining({ actor: expect.objectContaining({ email: "sam@agency.example" }) }),
    ]);
  });
});
