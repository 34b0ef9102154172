import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../worker/lib/crypto";
import { admin } from "./support/api";
import { newPartner } from "./support/partners";
import { deliver } from "./support/hits";
import { createAlert, deliveriesOf, HOUR_MS, icpCompanyOnSite, visitOf } from "./support/alerts";
import { mailTo, mailsTo, newRecipient, oneClickUnsubscribe, unsubscribeUrlOf } from "./support/mailbox";
import { b2cOrganization, visitAndIdentify } from "./support/people";

/**
 * E-mail channels of alerts, end to end: a hit through the real consumer, the delivery through the
 * NOTIFICATIONS queue, the mail through the one mailer to the SMTP sink the test run started
 * (test/fixtures/mail-sinks.ts), read back parsed.
 */

type Delivery = Awaited<ReturnType<typeof deliveriesOf>>[number] & { recipient: string | null };
const log = async (owner: Parameters<typeof deliveriesOf>[0], alertId: string) =>
  (await deliveriesOf(owner, alertId)) as Delivery[];

describe("alerts by e-mail", () => {
  it(
    "an ICP company's identification mails each recipient once, branded: From, subject, both parts, the company, the visit, a button to its page, one-click unsubscribe, no platform name",
    { timeout: 30_000 },
    async () => {
      const owner = await icpCompanyOnSite();
      await owner.api("PUT", "/branding", { companyName: "Northwind Insights", primaryColor: "#0f766e" });
      const [first, second] = [newRecipient(), newRecipient()];
      const alert = await createAlert(owner, {
        name: "New ICP company",
        trigger: "identified",
        channels: [{ type: "email", recipients: [first, second.toUpperCase(), first] }],
      });
      expect(alert.channels).toEqual([
        expect.objectContaining({ type: "email", hint: "2 recipients", recipients: [first, second] }),
      ]);

      await deliver([visitOf(owner, owner.ip, Date.now(), "/pricing")]);
      const mail = await mailTo(first);
      expect(mail.subject).toBe(`New visitor identified: ${owner.name}`);
      expect(mail.from).toEqual({ name: "Northwind Insights", address: "notifications@mail.test" });
      expect(mail.to!.address).toBe(first);
      expect(mail.text).toContain(`alert “New ICP company” for Client`);
      expect(mail.text).toContain("Industry: Software");
      expect(mail.text).toContain("Size: 51-200 employees");
      expect(mail.text).toContain("ICP score: 100 (Software in the US)");
      expect(mail.text).toContain("THIS VISIT\n- /pricing");
      const page = new RegExp(`https://api\\.test/app/o/${owner.organization.id}/companies/vis_[A-Za-z0-9_-]{11}`);
      expect(mail.text).toMatch(new RegExp(`Open in dashboard:\\n${page.source}`));
      expect(mail.html).toMatch(new RegExp(`href="${page.source}"[^>]*>Open in dashboard</a>`));
      expect(mail.html).toContain("background:#0f766e");
      expect(mail.html).toContain(owner.domain);
      expect(mail.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
      expect(unsubscribeUrlOf(mail)).toMatch(/^https:\/\/api\.test\/app\/unsubscribe\//);
      expect(mail.raw).not.toMatch(/sightline/i);
      expect((await mailTo(second)).subject).toBe(mail.subject);

      const deliveries = await log(owner, alert.id);
      expect(deliveries.map((d) => [d.recipient, d.status, d.attempts]).sort()).toEqual([
        [first, "sent", 1],
        [second, "sent", 1],
      ]);
      expect(await mailsTo(first)).toHaveLength(1);
    },
  );

  it(
    "the cooldown holds for e-mail: a second visit to the page within it mails nothing, the first after it mails again; an unsubscribed recipient gets none",
    { timeout: 30_000 },
    async () => {
      const owner = await icpCompanyOnSite();
      const [stays, leaves] = [newRecipient(), newRecipient()];
      const alert = await createAlert(owner, {
        name: "Pricing",
        trigger: "page_viewed",
        pages: ["/pricing*"],
        cooldownHours: 24,
        channels: [{ type: "email", recipients: [stays, leaves] }],
      });
      const t0 = Date.now();
      await deliver([visitOf(owner, owner.ip, t0, "/pricing")]);
      await mailTo(stays);
      await oneClickUnsubscribe(unsubscribeUrlOf(await mailTo(leaves)));

      await deliver([visitOf(owner, owner.ip, t0 + 2 * HOUR_MS, "/pricing/teams")]);
      expect(await log(owner, alert.id)).toHaveLength(2);

      await deliver([visitOf(owner, owner.ip, t0 + 25 * HOUR_MS, "/pricing")]);
      const again = await mailTo(stays, { count: 2 });
      expect(again.subject).toBe(`Key page viewed: ${owner.name}`);
      await expect.poll(async () => (await log(owner, alert.id)).filter((d) => d.status !== "pending").length).toBe(4);
      const unsubscribed = (await log(owner, alert.id)).find((d) => d.recipient === leaves && d.status === "failed");
      expect(unsubscribed!.error).toBe("Not sent: the recipient unsubscribed from alerts about Client");
      expect(unsubscribed!.attempts).toBe(1);
      expect(await mailsTo(leaves)).toHaveLength(1);
    },
  );

  it("a test send mails every recipient now and answers each outcome, a refused address included", async () => {
    const owner = await icpCompanyOnSite();
    const [ok, refused] = [newRecipient(), newRecipient("refused.test")];
    const alert = await createAlert(owner, {
      name: "Tested",
      trigger: "identified",
      channels: [{ type: "email", recipients: [ok, refused] }],
    });
    const res = await owner.api("POST", `/organizations/${owner.organization.id}/alerts/${alert.id}/test`);
    expect(res.status, res.text).toBe(200);
    const byRecipient = Object.fromEntries((res.body.deliveries as Delivery[]).map((d) => [d.recipient, d]));
    expect(byRecipient[ok]).toMatchObject({ status: "sent", test: true, statusCode: null, error: null });
    expect(byRecipient[refused]).toMatchObject({ status: "failed", test: true });
    expect(byRecipient[refused]!.error).toMatch(/550/);
    const mail = await mailTo(ok);
    expect(mail.subject).toBe("Test of alert: Example Company (test)");
    expect(mail.text).toContain("- /pricing/teams");
    expect(await log(owner, alert.id)).toHaveLength(2);
  });

  it("refuses recipients the mailer cannot write and more than 10, naming each; keeps a channel by id with new recipients", async () => {
    const owner = await icpCompanyOnSite();
    const path = `/organizations/${owner.organization.id}/alerts`;
    const fieldsOf = (res: { body: { details: { field: string }[] } }) => res.body.details.map((d) => d.field);
    const bad = await owner.api("POST", path, {
      name: "Bad",
      trigger: "identified",
      channels: [{ type: "email", recipients: ["ok@client.example", "not an address"] }],
    });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(["channels.0.recipients.1"]);
    const none = await owner.api("POST", path, { name: "None", trigger: "identified", channels: [{ type: "email" }] });
    expect(none.status).toBe(400);
    expect(fieldsOf(none)).toEqual(["channels.0.recipients"]);
    const many = Array.from({ length: 11 }, () => newRecipient());
    const tooMany = await owner.api("POST", path, {
      name: "Many",
      trigger: "identified",
      channels: [{ type: "email", recipients: many }],
    });
    expect(tooMany.status).toBe(400);

    const alert = await createAlert(owner, {
      name: "Kept",
      trigger: "identified",
      channels: [{ type: "email", recipients: [many[0]] }],
    });
    const channelId = alert.channels[0]!.id;
    const changed = await owner.api("PUT", `${path}/${alert.id}`, {
      channels: [{ type: "email", id: channelId, recipients: many.slice(1, 3) }],
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.alert.channels).toEqual([
      expect.objectContaining({ id: channelId, recipients: many.slice(1, 3), hint: "2 recipients" }),
    ]);
    const renamed = await owner.api("PUT", `${path}/${alert.id}`, { name: "Renamed" });
    expect(renamed.body.alert.channels[0].recipients).toEqual(many.slice(1, 3));
  });

  it("a person is named by e-mail only where the consent mode had the script ask", { timeout: 30_000 }, async () => {
    const { api, partner } = await newPartner();
    const hash = await sha256Hex(`${crypto.randomUUID()}@example.com`);
    await admin("POST", "/people", [
      { emailSha256: hash, name: "Pat Doe", jobTitle: "Head of Buying", emailDomain: "doe-buying.example" },
    ]);
    const asked = await b2cOrganization(api, "Asks for consent");
    const vouched = await b2cOrganization(api, "Own banner");
    expect((await api("PUT", `/organizations/${vouched.id}/pixel`, { consentMode: "off" })).status).toBe(200);
    const inboxes = { asked: newRecipient(), vouched: newRecipient() };
    for (const [organization, inbox] of [
      [asked, inboxes.asked],
      [vouched, inboxes.vouched],
    ] as const) {
      await createAlert(
        { api, organization },
        { name: "People", trigger: "identified", channels: [{ type: "email", recipients: [inbox] }] },
      );
      await deliver(visitAndIdentify(organization, partner, hash));
    }
    const shown = await mailTo(inboxes.asked);
    expect(shown.subject).toBe("New visitor identified: Pat Doe");
    expect(shown.text).toContain("Job title: Head of Buying");
    const hidden = await mailTo(inboxes.vouched);
    expect(hidden.subject).toBe("New visitor identified: A person identified by e-mail");
    for (const personal of ["Pat Doe", "Head of Buying", "doe-buying.example"]) {
      expect(hidden.raw).not.toContain(personal);
    }
  });
});
