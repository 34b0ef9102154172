import { describe, expect, it } from "vitest";
import { newOrganization } from "./support/partners";
import { csrfOf, signedInClient, type Browser } from "./support/dashboard";
import { mailTo, newRecipient } from "./support/mailbox";

/**
 * The digests part of the Notifications page: client admins choose who gets daily and weekly
 * digests and when (the same settings the partner API shows), preview one, and mail a test to
 * themselves or a recipient through the real SMTP sink.
 */

type Owner = Awaited<ReturnType<typeof newOrganization>>;

async function admin(owner: Owner, role: "admin" | "viewer" = "admin") {
  const client = await signedInClient(owner.api, owner.organization.id, role);
  return { ...client, digests: `${client.home}/notifications/digests` };
}

async function submit(b: Browser, pagePath: string, action: string, fields: Record<string, string>) {
  const page = await b.get(pagePath);
  expect(page.status, page.html).toBe(200);
  return b.post(action, { _csrf: csrfOf(page.html), ...fields });
}

const settingsOf = async (owner: Owner) =>
  (await owner.api("GET", `/organizations/${owner.organization.id}/digests`)).body.digests as {
    recipients: { email: string; frequency: string; segmentId: string | null }[];
    hourUtc: number;
    weekday: number;
    updatedAt: string | null;
  };

describe("digests on the Notifications page", { timeout: 30_000 }, () => {
  it("a client admin chooses recipients and the schedule; the partner API shows them, the audit log names the user", async () => {
    const owner = await newOrganization({ name: "Acme Widgets" });
    const segment = await owner.api("POST", `/organizations/${owner.organization.id}/segments`, {
      name: "ICP companies",
      filter: { icpMatched: true },
    });
    const { browser: b, home, digests } = await admin(owner);
    const overview = (await b.get(`${home}/notifications`)).html;
    expect(overview).toContain("No digest yet.");
    expect(overview).toContain(`href="${digests}">Set up digests</a>`);

    const [sales, ceo] = [newRecipient(), newRecipient()];
    const saved = await submit(b, digests, digests, {
      rows: "1",
      "email-0": ` ${sales.toUpperCase()} `,
      "frequency-0": "daily",
      "segment-0": segment.body.segment.id,
      hourUtc: "9",
      weekday: "5",
    });
    expect(saved.status, saved.html).toBe(303);
    // The saved recipient's row, then a blank one to add another.
    const page = await b.get(saved.location!);
    expect(page.html).toContain("Digests saved.");
    expect(page.html).toContain('name="rows" value="2"');
    const added = await b.post(digests, {
      _csrf: csrfOf(page.html),
      rows: "2",
      "email-0": sales,
      "frequency-0": "daily",
      "segment-0": segment.body.segment.id,
      "email-1": ceo,
      "frequency-1": "weekly",
      "segment-1": "",
      hourUtc: "9",
      weekday: "5",
    });
    expect(added.status, added.html).toBe(303);
    expect(await settingsOf(owner)).toMatchObject({
      recipients: [
        { email: sales, frequency: "daily", segmentId: segment.body.segment.id },
        { email: ceo, frequency: "weekly", segmentId: null },
      ],
      hourUtc: 9,
      weekday: 5,
    });
    const log = await owner.api("GET", `/audit-log?organizationId=${owner.organization.id}&action=digests.updated`);
    expect(log.body.entries[0]).toMatchObject({
      actor: { type: "client_user", email: "jane@client.example" },
      details: { hourUtc: 9, weekday: 5, recipients: { daily: 1, weekly: 1 } },
    });
    const summary = (await b.get(`${home}/notifications`)).html;
    expect(summary).toContain("Daily digests go out at 09:00 UTC, weekly ones on Fridays at 09:00 UTC.");
    expect(summary).toContain(`<strong class="path">${sales}</strong> · Daily · Saved view: ICP companies`);

    // Removing a recipient.
    const removed = await submit(b, digests, digests, {
      rows: "3",
      "email-0": sales,
      "frequency-0": "daily",
      "remove-0": "on",
      "email-1": ceo,
      "frequency-1": "weekly",
      hourUtc: "9",
      weekday: "5",
    });
    expect(removed.status).toBe(303);
    expect((await settingsOf(owner)).recipients.map((r) => r.email)).toEqual([ceo]);
  });

  it("shows a bad address and a recipient listed twice at their rows, and saves nothing", async () => {
    const owner = await newOrganization();
    const { browser: b, digests } = await admin(owner);
    const sales = newRecipient();
    const refused = await submit(b, digests, digests, {
      rows: "3",
      "email-0": "not an address",
      "frequency-0": "daily",
      "email-1": sales,
      "frequency-1": "weekly",
      "email-2": sales,
      "frequency-2": "weekly",
      hourUtc: "7",
      weekday: "1",
    });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('id="email-0-problem">“not an address” is not an e-mail address.');
    expect(refused.html).toContain(`id="email-2-problem">${sales} gets a weekly digest already (recipient 2)`);
    expect(refused.html).toMatch(/<input id="email-2" aria-invalid="true" aria-describedby="email-2-problem"/);
    expect(refused.html).toContain('value="not an address"');
    expect((await settingsOf(owner)).updatedAt).toBeNull();
  });

  it("previews a digest, sent to nobody, with the mail in a frame of its own", async () => {
    const owner = await newOrganization({ name: "Quiet Co" });
    const { browser: b, digests } = await admin(owner);
    const preview = await b.get(`${digests}/preview?frequency=weekly&segmentId=`);
    expect(preview.status).toBe(200);
    expect(preview.html).toContain("<dd>Quiet Co this week: no new companies</dd>");
    expect(preview.html).toContain("such a digest is not sent");
    expect(preview.headers.get("content-security-policy")).toContain("frame-src 'self'");
    const src = preview.html.match(/<iframe class="mail-preview" src="([^"]+)"/)![1]!.replace(/&amp;/g, "&");
    const mail = await b.get(src);
    expect(mail.status).toBe(200);
    expect(mail.html).toContain("Quiet Co");
    expect(mail.headers.get("content-security-policy")).toContain("sandbox");
    expect(mail.headers.get("content-security-policy")).toContain("frame-ancestors 'self'");
    expect(mail.headers.get("content-security-policy")).not.toContain("script-src");
    const gone = await b.get(`${digests}/preview?email=${encodeURIComponent(newRecipient())}`);
    expect(gone.status).toBe(400);
    expect(gone.html).toContain("That address gets no digest any more.");
  });

  it("mails a test digest to a recipient through the SMTP sink, never to an address typed in", async () => {
    const owner = await newOrganization({ name: "Acme Widgets" });
    const sales = newRecipient();
    await owner.api("PUT", `/organizations/${owner.organization.id}/digests`, {
      recipients: [{ email: sales, frequency: "daily" }],
    });
    const { browser: b, digests } = await admin(owner);
    const form = await b.get(digests);
    expect(form.html).toContain(`<option value="jane@client.example" selected="">jane@client.example</option>`);
    const tested = await b.post(`${digests}/test`, {
      _csrf: csrfOf(form.html),
      to: sales,
      frequency: "daily",
      segmentId: "",
    });
    expect(tested.status, tested.html).toBe(200);
    expect(tested.html).toContain(`Test digest sent to ${sales}: the mail server accepted it.`);
    expect((await mailTo(sales)).subject).toBe("Test: Acme Widgets: no new companies");
    const log = await owner.api("GET", `/audit-log?organizationId=${owner.organization.id}&action=digests.tested`);
    expect(log.body.entries[0]).toMatchObject({ actor: { type: "client_user" }, details: { to: sales } });

    const stranger = newRecipient();
    const refused = await b.post(`${digests}/test`, { _csrf: csrfOf(form.html), to: stranger, frequency: "daily" });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('id="test-to-problem">Choose yourself or a recipient.');
  });
});

describe("who may change digests", { timeout: 30_000 }, () => {
  it("a viewer can neither see nor change them, and a forged form changes nothing", async () => {
    const owner = await newOrganization();
    const viewer = await admin(owner, "viewer");
    const csrf = csrfOf((await viewer.browser.get(viewer.home)).html);
    expect((await viewer.browser.get(viewer.digests)).status).toBe(404);
    expect((await viewer.browser.get(`${viewer.digests}/preview`)).status).toBe(404);
    expect((await viewer.browser.get(`${viewer.digests}/preview/mail`)).status).toBe(404);
    const fields = { rows: "1", "email-0": newRecipient(), "frequency-0": "daily", hourUtc: "7", weekday: "1" };
    expect((await viewer.browser.post(viewer.digests, { _csrf: csrf, ...fields })).status).toBe(404);
    expect((await viewer.browser.post(`${viewer.digests}/test`, { _csrf: csrf, to: "x@y.example" })).status).toBe(404);

    const { browser: b, digests } = await admin(owner);
    const forged = await b.post(digests, { _csrf: "0".repeat(64), ...fields });
    expect(forged.status).toBe(403);
    const foreign = await b.post(
      digests,
      { _csrf: csrfOf((await b.get(digests)).html), ...fields },
      {
        origin: "https://evil.example",
      },
    );
    expect(foreign.status).toBe(403);
    expect((await settingsOf(owner)).updatedAt).toBeNull();
  });
});
