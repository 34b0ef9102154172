/**
 * The Notifications page of a client's dashboard in a real Chromium against the real Worker: a
 * client admin creates an alert through the form (a problem shown at its field first), sends a
 * test that a local HTTP receiver gets as Slack would, and reads the outcome and the log; sets up
 * digests, previews one and mails a test to a local SMTP sink. Every page passes axe-core, fits
 * 375 px, and is in test-results/screenshots/.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeBrowser, useBrowser } from "./support/chromium.ts";
import { PHONE, brand, checkPage, dashboardLink, heading, openTab } from "./support/dashboard.ts";
import { type LocalWorker, seedOrganization, startWorker } from "./support/worker.ts";
import { type ReceivedMail, startMailSink } from "../../scripts/mail-sink.ts";

interface Posted {
  path: string;
  body: string;
}

/** A local stand-in for Slack's and Teams' webhooks: records every POST, answers 200. */
async function startReceiver() {
  const posted: Posted[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      posted.push({ path: req.url ?? "", body });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    posted,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** The texts a field's `aria-describedby` points to: what a screen reader reads with it. */
const descriptionOf = (page: Page, label: string) =>
  page.getByLabel(label, { exact: true }).evaluate((el) =>
    (el.getAttribute("aria-describedby") ?? "")
      .split(" ")
      .map((id) => document.getElementById(id)?.textContent ?? "")
      .join(" "),
  );

describeBrowser("the Notifications page", () => {
  const browser = useBrowser();
  let worker: LocalWorker;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let sink: Awaited<ReturnType<typeof startMailSink>>;
  const mail: ReceivedMail[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    sink = await startMailSink({ onMessage: (m) => mail.push(m) });
    // Local development's settings: webhooks and SMTP may go to this machine.
    worker = await startWorker({
      bindings: {
        ALLOW_INSECURE_WEBHOOKS: "on",
        ALLOW_LOCAL_SMTP: "on",
        MAIL_FROM: "notifications@mail.test",
        MAIL_SMTP_URL: `smtp://127.0.0.1:${sink.port}?security=none`,
      },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await receiver?.close();
    await sink?.close();
  });

  async function adminClient() {
    const org = await seedOrganization(worker);
    await brand(org);
    await org.api("POST", `/api/v1/partner/organizations/${org.organizationId}/segments`, {
      name: "ICP companies",
      filter: { icpMatched: true },
    });
    return org;
  }

  it("a client admin creates an alert, fixes what the form refused, sends a test and reads its outcome", async (ctx) => {
    const org = await adminClient();
    const { page, errors } = await openTab(browser(), ctx);
    await page.goto(await dashboardLink(org));
    await page.getByRole("link", { name: "Notifications" }).click();
    await expect.poll(() => heading(page)).toBe("Notifications");
    expect(await page.locator("main").innerText()).toContain("No alert yet.");
    await checkPage(page, "client-notifications-empty", errors);

    await page.getByRole("link", { name: "New alert" }).click();
    await expect.poll(() => heading(page)).toBe("New alert");
    // Pages are asked for only when the trigger needs them (CSS alone, no script).
    expect(await page.getByLabel("Pages", { exact: true }).isVisible()).toBe(false);
    await page.getByRole("radio", { name: "A company views certain pages" }).check();
    expect(await page.getByLabel("Pages", { exact: true }).isVisible()).toBe(true);
    await checkPage(page, "client-notifications-new", errors);

    // The new channel's type shows its own field: a webhook URL, or e-mail addresses.
    const channelType = page.getByLabel("Channel", { exact: true });
    await channelType.selectOption({ label: "E-mail" });
    expect(await page.getByLabel("E-mail addresses (E-mail)").isVisible()).toBe(true);
    expect(await page.getByLabel("Webhook URL (Slack, Microsoft Teams)").isVisible()).toBe(false);
    await channelType.selectOption({ label: "Slack" });

    const secret = receiver.url(`/services/T0/B0/${crypto.randomUUID()}`);
    await page.getByLabel("Pages", { exact: true }).fill("pricing");
    await page.getByLabel("Which companies").selectOption({ label: "Saved view: ICP companies" });
    await page.getByLabel("Webhook URL (Slack, Microsoft Teams)").fill(secret);
    await page.getByRole("button", { name: "Create alert" }).click();
    await expect.poll(() => page.getByRole("alert").innerText()).toContain("The alert was not created");
    expect(await descriptionOf(page, "Name")).toContain("Give the alert a name.");
    expect(await page.getByLabel("Name", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    expect(await descriptionOf(page, "Pages")).toContain("“pricing” is not a page");
    // The summary's link takes the keyboard to the field.
    await page.getByRole("link", { name: "Give the alert a name." }).click();
    expect(await page.evaluate(() => location.hash)).toBe("#name");
    // The URL is not shown back: it has to be pasted again.
    expect(await page.getByLabel("Webhook URL (Slack, Microsoft Teams)").inputValue()).toBe("");
    expect(await page.content()).not.toContain(secret);
    expect(await descriptionOf(page, "Webhook URL (Slack, Microsoft Teams)")).toContain("paste it again");
    await checkPage(page, "client-notifications-problems", errors);

    await page.getByLabel("Name", { exact: true }).fill("ICP company on pricing");
    await page.getByLabel("Pages", { exact: true }).fill("/pricing*");
    await page.getByLabel("Webhook URL (Slack, Microsoft Teams)").fill(secret);
    await page.getByRole("button", { name: "Create alert" }).click();
    await expect.poll(() => heading(page)).toBe("ICP company on pricing");
    expect(await page.getByRole("status").innerText()).toContain("Alert created.");
    await checkPage(page, "client-notifications-alert", errors);

    await page.getByRole("button", { name: "Send test", exact: true }).click();
    await expect.poll(() => page.locator("#test-outcome").innerText()).toContain("Test sent to every channel");
    expect(await page.locator("#test-outcome").innerText()).toMatch(
      /Slack 127\.0\.0\.1:\d+ …\S{4}: delivered \(HTTP 200\)/,
    );
    const sample = receiver.posted.find((p) => secret.endsWith(p.path));
    expect(JSON.parse(sample!.body).blocks[0].text.text).toBe("Example Company (test)");
    expect(await page.locator(".log tbody tr").allInnerTexts()).toEqual([
      // Sent, with nothing under Error (the test outcome above says what Slack answered).
      expect.stringMatching(/^.+ UTC\tSlack 127\.0\.0\.1:\d+ …\S{4}\tTest\tSent\t?$/),
    ]);
    expect(await page.content()).not.toContain(secret);
    await checkPage(page, "client-notifications-tested", errors);

    const { alerts } = await org.api<{ alerts: { name: string; pages: string[]; channels: { type: string }[] }[] }>(
      "GET",
      `/api/v1/partner/organizations/${org.organizationId}/alerts`,
    );
    expect(alerts).toMatchObject([
      { name: "ICP company on pricing", pages: ["/pricing*"], channels: [{ type: "slack" }] },
    ]);

    await page.getByRole("link", { name: "Notifications" }).first().click();
    await expect.poll(() => heading(page)).toBe("Notifications");
    expect(await page.locator(".rule").innerText()).toContain("A company views /pricing*");
    await checkPage(page, "client-notifications-list", errors);
  });

  it("a client admin sets up a weekly digest, previews it and mails a test to the SMTP sink", async (ctx) => {
    const org = await adminClient();
    const { page, errors } = await openTab(browser(), ctx);
    await page.goto(await dashboardLink(org));
    await page.getByRole("link", { name: "Notifications" }).click();
    await page.getByRole("link", { name: "Set up digests" }).click();
    await expect.poll(() => heading(page)).toBe("Digests");
    await checkPage(page, "client-notifications-digests-empty", errors);

    const boss = `boss-${crypto.randomUUID().slice(0, 8)}@client.example`;
    await page.locator("#email-0").fill(boss);
    await page.locator("#frequency-0").selectOption({ label: "Weekly" });
    await page.locator("#segment-0").selectOption({ label: "Saved view: ICP companies" });
    await page.getByLabel("Time (UTC)").selectOption({ label: "09:00 UTC" });
    await page.getByLabel("Weekly digests go out on").selectOption({ label: "Friday" });
    await page.getByRole("button", { name: "Save digests" }).click();
    await expect.poll(() => page.getByRole("status").innerText()).toBe("Digests saved.");
    await checkPage(page, "client-notifications-digests", errors);
    const { digests } = await org.api<{ digests: { recipients: unknown[]; hourUtc: number; weekday: number } }>(
      "GET",
      `/api/v1/partner/organizations/${org.organizationId}/digests`,
    );
    expect(digests).toMatchObject({ recipients: [{ email: boss, frequency: "weekly" }], hourUtc: 9, weekday: 5 });

    await page.getByRole("link", { name: "Preview their next digest" }).click();
    await expect.poll(() => heading(page)).toBe("Digest preview");
    expect(await page.locator("main").innerText()).toContain("such a digest is not sent");
    const frame = page.frameLocator("iframe.mail-preview");
    await expect.poll(() => frame.locator("body").innerText()).toContain("Client site");
    await checkPage(page, "client-notifications-digest-preview", errors);

    await page.getByRole("link", { name: "Digests" }).click();
    await page.getByLabel("Send it to").selectOption(boss);
    await page.locator("#test-frequency").selectOption({ label: "Weekly" });
    await page.getByRole("button", { name: "Send test digest" }).click();
    await expect.poll(() => page.getByRole("status").innerText()).toContain(`Test digest sent to ${boss}`);
    const sent = mail.find((m) => m.envelope.to.includes(boss));
    expect(sent?.raw).toMatch(/^Subject: Test: Client site this week/m);
    await checkPage(page, "client-notifications-digest-tested", errors);
  });

  it("works at 375 px wide: the list, the form with its problems, and an alert with its log", async (ctx) => {
    const org = await adminClient();
    await org.api("POST", `/api/v1/partner/organizations/${org.organizationId}/alerts`, {
      name: "A rather long alert name for companies that come back to the pricing pages",
      trigger: "returned",
      returnAfterDays: 14,
      channels: [
        { type: "slack", webhookUrl: receiver.url("/services/T0/B0/phone") },
        { type: "teams", webhookUrl: receiver.url("/workflows/a-very-long-workflow-path-without-any-break/phone") },
      ],
    });
    const { page, errors } = await openTab(browser(), ctx, { viewport: PHONE, isMobile: true, hasTouch: true });
    await page.goto(await dashboardLink(org));
    await page.goto(new URL(`/app/o/${org.organizationId}/notifications`, page.url()).href);
    await checkPage(page, "client-notifications-375px", errors);
    await page.getByRole("link", { name: "New alert" }).click();
    await page.getByRole("button", { name: "Create alert" }).click();
    await expect.poll(() => page.getByRole("alert").innerText()).toContain("The alert was not created");
    await checkPage(page, "client-notifications-problems-375px", errors);
    await page.goto(new URL(`/app/o/${org.organizationId}/notifications`, page.url()).href);
    await page.getByRole("link", { name: /^Settings and delivery log/ }).click();
    await page.getByRole("button", { name: "Send test", exact: true }).click();
    await expect.poll(() => page.locator("#test-outcome").innerText()).toContain("Test sent to every channel");
    await checkPage(page, "client-notifications-alert-375px", errors);
    await page.goto(new URL(`/app/o/${org.organizationId}/notifications/digests`, page.url()).href);
    await checkPage(page, "client-notifications-digests-375px", errors);
    await page.getByRole("button", { name: "Preview" }).click();
    await expect.poll(() => heading(page)).toBe("Digest preview");
    await checkPage(page, "client-notifications-digest-preview-375px", errors);
  });
});
