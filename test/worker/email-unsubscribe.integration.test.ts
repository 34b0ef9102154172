import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newOrganization, newPartner } from "./support/partners";
import { browser } from "./support/dashboard";
import { makeLive } from "./support/domains";
import { mailTo, mailsTo, newRecipient, type ReceivedMessage } from "./support/mailbox";

/**
 * One-click unsubscribe (RFC 8058) as a recipient and a mail client see it: the headers, the link
 * in the footer, a POST that unsubscribes without signing in, a page that does nothing until its
 * button is pressed, and no more mail of that kind afterwards.
 */

const unsubscribeUrl = (mail: ReceivedMessage) => /^<(https:\/\/[^>]+)>$/.exec(mail.headers["list-unsubscribe"]!)![1]!;

/** What a mail client sends for one-click: a form POST without cookies or Origin. */
const oneClick = (url: string) =>
  exports.default.fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "List-Unsubscribe=One-Click",
  });

const testMail = (api: Awaited<ReturnType<typeof newPartner>>["api"], to: string) =>
  api("POST", "/email-sender/test", { to });

describe("one-click unsubscribe", () => {
  it("is in the headers and the footer, and a POST unsubscribes at once, without signing in", async () => {
    const { api } = await newPartner({ name: "Northwind" });
    const to = newRecipient();
    await testMail(api, to);
    const mail = await mailTo(to);
    expect(mail.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
    const url = unsubscribeUrl(mail);
    expect(url).toMatch(/^https:\/\/api\.test\/app\/unsubscribe\/[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(url).not.toContain(encodeURIComponent(to));
    expect(mail.text).toContain(`Unsubscribe: ${url}`);
    expect(mail.html).toContain(`href="${url}"`);

    const response = await oneClick(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("You are unsubscribed");

    const again = await testMail(api, to);
    expect(again.body.delivery).toEqual({ to, status: "unsubscribed", messageId: null, error: null });
    expect(await mailsTo(to)).toHaveLength(1);
    // Only that kind, from that partner: another partner still reaches the same address.
    const other = await newPartner();
    expect((await testMail(other.api, to)).body.delivery.status).toBe("delivered");
  });

  it("opened in a browser, shows a branded page with a button and unsubscribes nobody until it is pressed", async () => {
    const { api } = await newPartner({ name: "Northwind" });
    await api("PUT", "/branding", { companyName: "Northwind Insights" });
    const to = newRecipient();
    await testMail(api, to);
    const url = unsubscribeUrl(await mailTo(to));

    const b = browser();
    for (let scan = 0; scan < 2; scan++) {
      const page = await b.get(url);
      expect(page.status).toBe(200);
      expect(page.html).toContain("<h1>Unsubscribe?</h1>");
      expect(page.html).toContain(`${to} will no longer get test e-mails from Northwind Insights.`);
      expect(page.html).toContain(`<form method="post" action="${new URL(url).pathname}">`);
      expect(page.html).not.toMatch(/sightline/i);
    }
    expect((await testMail(api, to)).body.delivery.status).toBe("delivered");

    const pressed = await b.post(url, { "List-Unsubscribe": "One-Click" });
    expect(pressed.status).toBe(200);
    expect(pressed.html).toContain("<h1>You are unsubscribed</h1>");
    expect(b.cookies.size).toBe(0);
    expect((await testMail(api, to)).body.delivery.status).toBe("unsubscribed");
    expect((await b.get(url)).html).toContain("<h1>You are unsubscribed</h1>");

    const undone = await b.post(url, { action: "resubscribe" });
    expect(undone.html).toContain("<h1>You are subscribed again</h1>");
    expect((await testMail(api, to)).body.delivery.status).toBe("delivered");
    expect(await mailsTo(to)).toHaveLength(3);
  });

  it("refuses links it did not make, and altered ones", async () => {
    const { api } = await newPartner();
    const to = newRecipient();
    await testMail(api, to);
    const url = unsubscribeUrl(await mailTo(to));
    const token = url.split("/unsubscribe/")[1]!;
    const altered = `${token.slice(0, -2)}${token.endsWith("AA") ? "BB" : "AA"}`;
    for (const bad of [altered, "abc", `${"A".repeat(16)}.${"B".repeat(40)}`]) {
      const res = await oneClick(`https://api.test/app/unsubscribe/${bad}`);
      expect(res.status, bad).toBe(404);
      expect(await res.text()).toContain("This unsubscribe link is not valid");
    }
    expect((await testMail(api, to)).body.delivery.status).toBe("delivered");
  });

  it("lives on the partner's live domain when it has one, which refuses other partners' links", async () => {
    const { api } = await newPartner();
    const { domain: host } = await makeLive(api);
    const to = newRecipient();
    await testMail(api, to);
    const url = unsubscribeUrl(await mailTo(to));
    expect(url).toMatch(new RegExp(`^https://${host.replace(/\./g, "\\.")}/unsubscribe/`));
    expect((await browser().get(url)).status).toBe(200);

    const other = await newPartner();
    const otherTo = newRecipient();
    await testMail(other.api, otherTo);
    const otherToken = unsubscribeUrl(await mailTo(otherTo)).split("/unsubscribe/")[1];
    expect((await oneClick(`https://${host}/unsubscribe/${otherToken}`)).status).toBe(404);
    expect((await testMail(other.api, otherTo)).body.delivery.status).toBe("delivered");
  });

  it("names the organization a mail was about, and unsubscribes from that organization's mail only", async () => {
    const { api, organization } = await newOrganization({ name: "Contoso Dental" });
    const second = await api("POST", "/organizations", { name: "Fabrikam Clinic" });
    const to = newRecipient();
    const link = (organizationId: string) =>
      api("POST", `/organizations/${organizationId}/dashboard-links`, { email: to, send: true });
    await link(organization.id);
    const url = unsubscribeUrl(await mailTo(to));
    const page = await browser().get(url);
    expect(page.html).toContain(`${to} will no longer get sign-in links to the dashboard about Contoso Dental`);
    await oneClick(url);
    expect((await link(organization.id)).body.delivery.status).toBe("unsubscribed");
    expect((await link(second.body.organization.id)).body.delivery.status).toBe("delivered");
  });
});
