import { describe, expect, it } from "vitest";
import { expectEnvelope } from "./support/api";
import { newOrganization } from "./support/partners";
import { browser } from "./support/dashboard";
import { mailTo, newRecipient } from "./support/mailbox";

/**
 * `dashboard-links` with `send: true`: the link goes by mail to the person it is for, in the
 * partner's brand; it waits in an inbox for a day and opens with a click, so the mail scanners
 * that fetch every link spend nothing.
 */

const linkIn = (html: string) => /href="(https:\/\/api\.test\/app\/sign-in\/[0-9a-f]{64})"/.exec(html)![1]!;

describe("a mailed dashboard link", () => {
  it("is mailed to the person it is for, in the partner's brand, with the link as its button", async () => {
    const { api, organization } = await newOrganization(
      { name: "Contoso Dental" },
      { supportEmail: "help@agency.example" },
    );
    await api("PUT", "/branding", { companyName: "Northwind Insights", primaryColor: "#0f766e" });
    const to = newRecipient();
    const before = Date.now();
    const res = await api("POST", `/organizations/${organization.id}/dashboard-links`, {
      email: to,
      role: "admin",
      send: true,
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.delivery).toMatchObject({ to, status: "delivered", error: null });
    const { url, expiresAt } = res.body.dashboardLink;
    const ttl = Date.parse(expiresAt) - before;
    expect(ttl).toBeGreaterThan(23.9 * 3600_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600_000 + 1_000);

    const mail = await mailTo(to);
    expect(mail.subject).toBe("Your Contoso Dental dashboard");
    expect(mail.from!.name).toBe("Northwind Insights");
    expect(mail.replyTo!.address).toBe("help@agency.example");
    expect(linkIn(mail.html)).toBe(url);
    expect(mail.text).toContain(`Open the dashboard:\n${url}`);
    expect(mail.html).toContain("background:#0f766e");
    expect(mail.raw).not.toMatch(/sightline/i);

    const log = await api("GET", `/audit-log?organizationId=${organization.id}`);
    expect(log.body.entries[0]).toMatchObject({
      action: "dashboard_link.created",
      details: { email: to, role: "admin", mailed: "delivered" },
    });
  });

  it("opens with a click on its page: fetching it spends nothing, the button signs in once", async () => {
    const { api, organization } = await newOrganization();
    const to = newRecipient();
    await api("POST", `/organizations/${organization.id}/dashboard-links`, { email: to, send: true });
    const url = linkIn((await mailTo(to)).html);

    const scanner = browser();
    for (let i = 0; i < 2; i++) {
      const page = await scanner.get(url);
      expect(page.status).toBe(200);
      expect(page.html).toContain("<h1>Open your dashboard</h1>");
      expect(page.html).toContain(`<form method="post" action="${new URL(url).pathname}">`);
      expect(scanner.cookies.size).toBe(0);
    }

    // Only the page's own button opens it: a form posted from another site is refused, the link kept.
    const elsewhere = await browser().post(url, {}, { origin: "https://evil.example" });
    expect(elsewhere.status).toBe(403);

    const person = browser();
    const opened = await person.post(url, {});
    expect(opened.status).toBe(303);
    expect(opened.location).toBe(`/app/o/${organization.id}`);
    expect(person.cookies.has("__Host-session")).toBe(true);
    expect((await person.get(opened.location!)).status).toBe(200);

    const twice = await browser().post(url, {});
    expect(twice.status).toBe(410);
    expect((await browser().get(url)).status).toBe(410);
  });

  it("reports a refused mail in `delivery` and still answers 201 with the link", async () => {
    const { api, organization } = await newOrganization();
    const to = newRecipient("refused.test");
    const res = await api("POST", `/organizations/${organization.id}/dashboard-links`, { email: to, send: true });
    expect(res.status).toBe(201);
    expect(res.body.delivery).toMatchObject({ to, status: "failed", error: { step: "rcpt_to" } });
    const log = await api("GET", `/audit-log?organizationId=${organization.id}`);
    expect(log.body.entries[0].details).toEqual({ email: to, role: "viewer", mailed: "failed" });
  });

  it("keeps links that are not mailed as they were: no delivery, 10 minutes, refusing a non-boolean send", async () => {
    const { api, organization } = await newOrganization();
    const path = `/organizations/${organization.id}/dashboard-links`;
    const res = await api("POST", path, { email: newRecipient() });
    expect(res.status).toBe(201);
    expect(res.body.delivery).toBeUndefined();
    expect(Date.parse(res.body.dashboardLink.expiresAt) - Date.now()).toBeLessThanOrEqual(10 * 60_000 + 1_000);
    const bad = await api("POST", path, { email: newRecipient(), send: "yes" });
    expectEnvelope(bad, 400, "BadRequest");
    expect(bad.body.details[0].field).toBe("send");
  });
});
