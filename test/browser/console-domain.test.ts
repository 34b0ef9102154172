/**
 * The partner console's custom domain page in a real Chromium, against the real Worker whose
 * Cloudflare zone is the stand-in of test/fixtures/cloudflare-api.js (its DNS too): the records to
 * add, the state of DNS, TLS and the domain, and "Check now" until the domain is live. Accessible
 * (axe-core), and usable at 375 px.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeBrowser, useBrowser } from "./support/chromium.ts";
import { PHONE, brand, checkPage, consoleLink, heading, openTab } from "./support/dashboard.ts";
import { type LocalWorker, seedOrganization, startWorker } from "./support/worker.ts";

const ZONE = { ZONE_ID: "e2e-zone", API_TOKEN: "e2e-cloudflare-token" };

describeBrowser("the partner console: custom domain", () => {
  const browser = useBrowser();
  let worker: LocalWorker;

  beforeAll(async () => {
    worker = await startWorker({
      // Every outbound fetch of the Worker goes to the stand-in: Cloudflare's API and the DNS resolver.
      outboundService: "cloudflare-api",
      extraWorkers: [
        {
          name: "cloudflare-api",
          modules: true,
          scriptPath: join(import.meta.dirname, "../fixtures/cloudflare-api.js"),
          compatibilityDate: "2026-11-01",
          durableObjects: { WORLD: "World" },
          // The console computes the records for the host it is served on: this machine.
          bindings: { ...ZONE, CNAME_TARGET: "127.0.0.1" },
        },
      ],
      bindings: {
        CLOUDFLARE_ZONE_ID: ZONE.ZONE_ID,
        CLOUDFLARE_API_TOKEN: ZONE.API_TOKEN,
        CLOUDFLARE_API_BASE: "https://api.cloudflare.test/client/v4",
        DOH_URL: "https://dns.cloudflare.test/dns-query",
      },
    });
  });
  afterAll(() => worker?.stop());

  /** Changes the stand-in's world (test/fixtures/cloudflare-api.js, "Control"). */
  async function control(method: string, path: string, body: unknown) {
    const standIn = await worker.mf.getWorker("cloudflare-api");
    const res = await standIn.fetch(`https://api.cloudflare.test/__control${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(res.ok).toBe(true);
  }
  /** Publishes a DNS record in the stand-in's world. */
  const publish = (record: { type: string; name: string; value: string }) => control("PUT", "/dns", record);

  const kpi = (page: Page, label: string) =>
    page.locator("dl.kpi", { has: page.locator(`dt:text-is("${label}")`) }).locator("dd");

  it("shows the records to add and the domain's state, and checks until the domain is live", async (ctx) => {
    const org = await seedOrganization(worker);
    await brand(org);
    const domain = `track.${crypto.randomUUID().slice(0, 8)}.agency-sightline-tests.net`;
    const set = await org.api<{ dnsRecords: { type: string; name: string; value: string }[] }>(
      "PUT",
      "/api/v1/partner/domain",
      { domain },
    );

    const { page, errors } = await openTab(browser(), ctx);
    await page.goto(await consoleLink(org));
    await page.getByRole("link", { name: "Domain" }).click();
    expect(await heading(page)).toBe("Custom domain");
    const rows = await page.locator("tbody tr").allInnerTexts();
    expect(rows).toEqual(set.dnsRecords.map((r) => `${r.type}\t${r.name}\t${r.value}`));
    await expect.poll(() => kpi(page, "DNS").innerText()).toContain("Not verified yet");
    expect(await kpi(page, "TLS").innerText()).toContain("Certificate pending");
    expect(await kpi(page, "Active").innerText()).toContain("Not yet");
    await checkPage(page, "console-domain-pending", errors);

    for (const record of set.dnsRecords) await publish(record);
    await page.getByRole("button", { name: "Check now" }).click();
    await expect.poll(() => page.getByRole("status").innerText()).toContain("Both DNS records were found");
    for (let i = 0; i < 5 && !(await kpi(page, "Active").innerText()).includes("Live"); i++) {
      await page.getByRole("button", { name: "Check now" }).click();
      await page.waitForLoadState();
    }
    expect(await kpi(page, "DNS").innerText()).toContain("Verified");
    expect(await kpi(page, "TLS").innerText()).toContain("Certificate active");
    expect(await kpi(page, "Active").innerText()).toContain(`Live`);
    expect(await kpi(page, "Active").innerText()).toContain(`https://${domain}`);
    await checkPage(page, "console-domain-live", errors);
    const verification = await org.api<{ active: boolean }>("GET", "/api/v1/partner/domain/verification");
    expect(verification.active).toBe(true);
  });

  // Cloudflare gives up on a hostname that is not valid seven days after it was created: it is then
  // "moved" and its certificate "validation_timed_out" (hostname-validation/validation-status).
  it("shows why validation failed, and starts it over once the records are fixed", async (ctx) => {
    const org = await seedOrganization(worker);
    await brand(org);
    const domain = `track.${crypto.randomUUID().slice(0, 8)}.agency-sightline-tests.net`;
    const set = await org.api<{ dnsRecords: { type: string; name: string; value: string }[] }>(
      "PUT",
      "/api/v1/partner/domain",
      { domain },
    );
    // Nobody added the records for seven days.
    await control("POST", `/hostnames/${domain}/age`, { ms: 7 * 24 * 3600_000 + 60_000 });

    const { page, errors } = await openTab(browser(), ctx);
    await page.goto(await consoleLink(org));
    await page.getByRole("link", { name: "Domain" }).click();
    await page.getByRole("button", { name: "Check now" }).click();
    await expect.poll(() => kpi(page, "TLS").innerText()).toContain("Validation failed");
    expect(await kpi(page, "TLS").innerText()).toContain("Cloudflare: moved / certificate validation_timed_out");
    expect(await kpi(page, "Active").innerText()).toContain("Not yet");
    const why = page.getByRole("alert").filter({ hasText: "Why validation failed" });
    expect(await why.innerText()).toContain("custom hostname does not CNAME to this zone.");
    expect(await why.innerText()).toMatch(/Timed out/);
    await checkPage(page, "console-domain-failed", errors);

    // The partner adds the records and checks again: validation starts over, and the domain goes live.
    for (const record of set.dnsRecords) await publish(record);
    for (let i = 0; i < 6 && !(await kpi(page, "Active").innerText()).includes("Live"); i++) {
      await page.getByRole("button", { name: "Check now" }).click();
      await page.waitForLoadState();
    }
    expect(await kpi(page, "TLS").innerText()).toContain("Certificate active");
    expect(await kpi(page, "Active").innerText()).toContain(`https://${domain}`);
    expect(await page.getByRole("alert").count()).toBe(0);
  });

  it("works at 375 px wide", async (ctx) => {
    const org = await seedOrganization(worker);
    await brand(org);
    await org.api("PUT", "/api/v1/partner/domain", {
      domain: `a-rather-long-subdomain-name.${crypto.randomUUID()}.agency-sightline-tests.net`,
    });
    const { page, errors } = await openTab(browser(), ctx, { viewport: PHONE, isMobile: true, hasTouch: true });
    await page.goto(await consoleLink(org));
    await page.goto(new URL("/app/console/domain", page.url()).href);
    expect(await heading(page)).toBe("Custom domain");
    await checkPage(page, "console-domain-375px", errors);
  });
});
