import { describe, expect, it } from "vitest";
import { newOrganization, tenantOfOrganization } from "./support/partners";
import { chatChannel, createAlert } from "./support/alerts";
import { csrfOf, signedInClient, type Browser } from "./support/dashboard";
import { mailTo, newRecipient } from "./support/mailbox";

/**
 * The Notifications page of a client's dashboard: client admins manage the organization's alert
 * rules through forms (the same rules the partner API shows), send tests to the local receiver and
 * read the delivery log; webhook URLs never come back in a page; viewers and forged forms change nothing.
 */

type Owner = Awaited<ReturnType<typeof newOrganization>>;

async function adminOf(owner: Owner, role: "admin" | "viewer" = "admin") {
  const client = await signedInClient(owner.api, owner.organization.id, role);
  return { ...client, notifications: `${client.home}/notifications` };
}

/** Posts a page's form as a browser would: the page's CSRF token and the fields given. */
async function submit(b: Browser, pagePath: string, action: string, fields: Record<string, string>) {
  const page = await b.get(pagePath);
  expect(page.status, page.html).toBe(200);
  return b.post(action, { _csrf: csrfOf(page.html), ...fields });
}

const alertsOf = async (owner: Owner) =>
  (await owner.api("GET", `/organizations/${owner.organization.id}/alerts`)).body.alerts as {
    id: string;
    name: string;
    trigger: string;
    pages: string[] | null;
    returnAfterDays: number | null;
    cooldownHours: number;
    segmentId: string | null;
    enabled: boolean;
    channels: {
      id: string;
      type: string;
      hint: string;
      recipients: string[] | null;
      disabledReason: string | null;
    }[];
  }[];

const auditOf = async (owner: Owner) =>
  (await owner.api("GET", `/audit-log?organizationId=${owner.organization.id}`)).body.entries as {
    action: string;
    actor: { type: string; email: string | null };
    details: { alertId: string; name: string };
  }[];

describe("the Notifications page", { timeout: 30_000 }, () => {
  it("a client admin creates an alert with the form; the partner API shows it, the audit log names the user, and the URL is never in a page", async () => {
    const owner = await newOrganization({ name: "Acme Widgets" });
    const segment = await owner.api("POST", `/organizations/${owner.organization.id}/segments`, {
      name: "ICP companies",
      filter: { icpMatched: true },
    });
    const { browser: b, home, notifications } = await adminOf(owner);
    expect((await b.get(home)).html).toContain(`href="${notifications}"`);
    const empty = await b.get(notifications);
    expect(empty.html).toContain("<title>Notifications · Acme Widgets · Agency</title>");
    expect(empty.html).toContain("No alert yet.");

    const slack = chatChannel();
    const url = slack.channel.webhookUrl;
    const form = await b.get(`${notifications}/alerts/new`);
    expect(form.html).toContain(`<option value="${segment.body.segment.id}">Saved view: ICP companies</option>`);
    const created = await b.post(`${notifications}/alerts/new`, {
      _csrf: csrfOf(form.html),
      name: "ICP company on pricing",
      trigger: "page_viewed",
      pages: "/pricing*  /demo",
      returnAfterDays: "7",
      segmentId: segment.body.segment.id,
      cooldownHours: "12",
      newType: "slack",
      "new-url": url,
      enabled: "on",
    });
    expect(created.status, created.html).toBe(303);
    const [alert] = await alertsOf(owner);
    expect(alert).toMatchObject({
      name: "ICP company on pricing",
      trigger: "page_viewed",
      pages: ["/pricing*", "/demo"],
      returnAfterDays: null,
      segmentId: segment.body.segment.id,
      cooldownHours: 12,
      enabled: true,
      channels: [{ type: "slack", hint: `receiver.test …${url.slice(-4)}`, disabledReason: null }],
    });
    expect(created.location).toBe(`${notifications}/alerts/${alert!.id}?done=created`);

    const [entry] = await auditOf(owner);
    expect(entry).toMatchObject({
      action: "alert.created",
      actor: { type: "client_user", email: "jane@client.example" },
      details: { alertId: alert!.id, name: "ICP company on pricing" },
    });

    const page = await b.get(created.location!);
    expect(page.html).toContain("Alert created.");
    expect(page.html).toContain(`receiver.test …${url.slice(-4)}`);
    const list = await b.get(notifications);
    expect(list.html).toContain("A company views /pricing*, /demo");
    expect(list.html).toContain("Saved view: ICP companies");
    expect(list.html).toContain("At most once per company every 12 hours");
    for (const html of [created.html, page.html, list.html]) {
      expect(html).not.toContain(slack.receiver.bucket);
    }
  });

  it("shows each problem next to its field, refuses the whole form, and never echoes a typed URL", async () => {
    const owner = await newOrganization();
    const { browser: b, notifications } = await adminOf(owner);
    const secret = `http://10.0.0.1/hooks/${crypto.randomUUID()}`;
    const refused = await submit(b, `${notifications}/alerts/new`, `${notifications}/alerts/new`, {
      name: " ",
      trigger: "page_viewed",
      pages: "pricing",
      cooldownHours: "0",
      newType: "teams",
      "new-url": secret,
    });
    expect(refused.status).toBe(400);
    const html = refused.html;
    expect(html).toContain('role="alert"');
    expect(html).toMatch(/<input id="name" aria-invalid="true" aria-describedby="name-hint name-problem"/);
    expect(html).toContain('<p class="bad field-problem" id="name-problem">Give the alert a name.</p>');
    expect(html).toContain("“pricing” is not a page");
    expect(html).toContain("Hours must be a whole number from 1 to 720.");
    expect(html).toContain('<a href="#cooldown">');
    expect(html).toContain('<option value="teams" selected="">');
    expect(html).not.toContain(secret);
    expect(html).not.toContain(secret.slice(-36));
    expect(await alertsOf(owner)).toEqual([]);

    // The form's own checks passed: the domain refuses the URL (https to a public host only), again at its field.
    const badUrl = await submit(b, `${notifications}/alerts/new`, `${notifications}/alerts/new`, {
      name: "Pricing",
      trigger: "identified",
      cooldownHours: "24",
      newType: "slack",
      "new-url": secret,
    });
    expect(badUrl.status).toBe(400);
    expect(badUrl.html).toContain(
      '<p class="bad field-problem" id="new-url-problem">The webhook URL must be an https URL.',
    );
    expect(badUrl.html).toContain("The URL you typed is not shown again, for your security: paste it again.");
    expect(badUrl.html).not.toContain(secret.slice(-36));
    expect(badUrl.html).toContain('value="Pricing"');
    expect(await alertsOf(owner)).toEqual([]);
  });

  it("edits an alert: another trigger, a channel's URL replaced, one removed, one added; nothing of a URL is shown back", async () => {
    const owner = await newOrganization();
    const [first, second, third] = [chatChannel(), chatChannel("teams"), chatChannel("teams")];
    const alert = await createAlert(owner, {
      name: "Pricing",
      trigger: "page_viewed",
      pages: ["/pricing"],
      channels: [first.channel, second.channel],
    });
    const { browser: b, notifications } = await adminOf(owner);
    const path = `${notifications}/alerts/${alert.id}`;
    const replacement = chatChannel().channel.webhookUrl;
    const [kept, removed] = alert.channels;
    const saved = await submit(b, path, path, {
      name: "Returning companies",
      trigger: "returned",
      pages: "/pricing",
      returnAfterDays: "30",
      segmentId: "",
      cooldownHours: "48",
      [`url-${kept!.id}`]: replacement,
      [`remove-${removed!.id}`]: "on",
      newType: "teams",
      "new-url": third.channel.webhookUrl,
    });
    expect(saved.status, saved.html).toBe(303);
    const [after] = await alertsOf(owner);
    expect(after).toMatchObject({ name: "Returning companies", trigger: "returned", pages: null, returnAfterDays: 30 });
    expect(after!.cooldownHours).toBe(48);
    expect(after!.channels.map((c) => [c.id === kept!.id, c.type, c.hint])).toEqual([
      [true, "slack", `receiver.test …${replacement.slice(-4)}`],
      [false, "teams", `receiver.test …${third.channel.webhookUrl.slice(-4)}`],
    ]);
    expect((await auditOf(owner))[0]).toMatchObject({ action: "alert.updated", actor: { type: "client_user" } });
    const page = await b.get(saved.location!);
    for (const c of [first, second, third]) expect(page.html).not.toContain(c.receiver.bucket);
    expect(page.html).not.toContain(replacement.split("/")[3]);

    // Removing every channel and adding none is refused at the new channel's field.
    const none = await submit(b, path, path, {
      name: "Returning companies",
      trigger: "returned",
      returnAfterDays: "30",
      cooldownHours: "48",
      ...Object.fromEntries(after!.channels.map((c) => [`remove-${c.id}`, "on"])),
    });
    expect(none.status).toBe(400);
    expect(none.html).toContain('id="new-url-problem">Add a channel: paste its webhook URL.');
    expect((await alertsOf(owner))[0]!.channels).toHaveLength(2);
  });

  it("Send test reaches the local receiver and shows each channel's outcome; the log lists the tests", async () => {
    const owner = await newOrganization();
    const working = chatChannel();
    const gone = chatChannel("teams", "status/410");
    const alert = await createAlert(owner, {
      name: "Two channels",
      trigger: "identified",
      channels: [working.channel, gone.channel],
    });
    const { browser: b, notifications } = await adminOf(owner);
    const tested = await submit(b, notifications, `${notifications}/alerts/${alert.id}/test`, {});
    expect(tested.status, tested.html).toBe(200);
    expect(tested.html).toContain("Test not delivered to 1 channel of 2");
    expect(tested.html).toMatch(/Slack receiver\.test …[^:]{4}: <span class="ok">delivered \(HTTP 200\)/);
    expect(tested.html).toMatch(/Microsoft Teams receiver\.test …[^:]{4}: <span class="bad">failed: HTTP 410/);
    const [sample] = await working.receiver.waitFor(1);
    expect(JSON.parse(sample!.body).blocks[0].text.text).toBe("Example Company (test)");
    await gone.receiver.waitFor(1);
    // The log below shows both sends as tests; a test never turns a channel off.
    expect(tested.html.match(/<td>Test<\/td>/g)).toHaveLength(2);
    expect((await alertsOf(owner))[0]!.channels.map((c) => c.disabledReason)).toEqual([null, null]);
  });

  it("e-mail channels: addresses given, checked at their field, changed, and a test mailed to each", async () => {
    const owner = await newOrganization();
    const { browser: b, notifications } = await adminOf(owner);
    const [first, second, third] = [newRecipient(), newRecipient(), newRecipient()];
    const bad = await submit(b, `${notifications}/alerts/new`, `${notifications}/alerts/new`, {
      name: "Mail the team",
      trigger: "identified",
      cooldownHours: "24",
      newType: "email",
      "new-recipients": `${first}\nnot-an-address`,
    });
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('id="new-recipients-problem">“not-an-address” is not an e-mail address.');
    // Addresses are not secrets: the refused form keeps them.
    expect(bad.html).toContain(`${first}\nnot-an-address</textarea>`);

    const created = await submit(b, `${notifications}/alerts/new`, `${notifications}/alerts/new`, {
      name: "Mail the team",
      trigger: "identified",
      cooldownHours: "24",
      newType: "email",
      "new-url": "https://ignored.example/for-email",
      "new-recipients": `${first}, ${second.toUpperCase()}`,
    });
    expect(created.status, created.html).toBe(303);
    const [alert] = await alertsOf(owner);
    expect(alert!.channels).toMatchObject([{ type: "email", recipients: [first, second], hint: "2 recipients" }]);
    const channelId = alert!.channels[0]!.id;

    const path = `${notifications}/alerts/${alert!.id}`;
    const page = await b.get(path);
    expect(page.html).toContain(`${first}\n${second}</textarea>`);
    const changed = await submit(b, path, path, {
      name: "Mail the team",
      trigger: "identified",
      cooldownHours: "24",
      [`recipients-${channelId}`]: `${second}\n${third}`,
    });
    expect(changed.status, changed.html).toBe(303);
    expect((await alertsOf(owner))[0]!.channels).toMatchObject([{ id: channelId, recipients: [second, third] }]);

    const tested = await submit(b, path, `${path}/test`, {});
    expect(tested.html).toContain("Test sent to every channel");
    expect(tested.html).toContain(`E-mail to ${second}: <span class="ok">delivered</span>`);
    expect(tested.html).toContain(`E-mail to ${third}: <span class="ok">delivered</span>`);
    expect((await mailTo(second)).subject).toBe("Test of alert: Example Company (test)");
    expect((await mailTo(third)).subject).toBe("Test of alert: Example Company (test)");
  });

  it("turns an alert off and on, and deletes it, each in the audit log as the user", async () => {
    const owner = await newOrganization();
    const alert = await createAlert(owner, { name: "Any", trigger: "identified", channels: [chatChannel().channel] });
    const { browser: b, notifications } = await adminOf(owner);
    const path = `${notifications}/alerts/${alert.id}`;
    const off = await submit(b, path, `${path}/enabled`, { enabled: "off" });
    expect(off.location).toBe(`${path}?done=off`);
    expect((await alertsOf(owner))[0]!.enabled).toBe(false);
    expect((await b.get(notifications)).html).toContain('<span class="badge muted">Off</span>');
    await submit(b, notifications, `${path}/enabled`, { enabled: "on" });
    expect((await alertsOf(owner))[0]!.enabled).toBe(true);
    const deleted = await submit(b, path, `${path}/delete`, {});
    expect(deleted.location).toBe(`${notifications}?done=deleted`);
    expect(await alertsOf(owner)).toEqual([]);
    expect((await b.get(path)).status).toBe(404);
    const alertEntries = (await auditOf(owner)).filter((e) => e.action.startsWith("alert."));
    expect(alertEntries.map((e) => [e.action, e.actor.type])).toEqual([
      ["alert.deleted", "client_user"],
      ["alert.updated", "client_user"],
      ["alert.updated", "client_user"],
      ["alert.created", "api_key"],
    ]);
  });

  it("pages the delivery log by cursor, newest first, each message once", async () => {
    const owner = await newOrganization();
    const alert = await createAlert(owner, { name: "Busy", trigger: "identified", channels: [chatChannel().channel] });
    const { DB } = await tenantOfOrganization(owner.organization.id);
    await DB.prepare(
      `INSERT INTO alert_deliveries (id, rule_id, organization_id, channel_id, channel_type, firing, trigger, test, status,
         attempts, status_code, error, created_at)
       WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 60)
       SELECT printf('ald_%04d', n), ?1, ?2, ?3, 'slack', printf('alt_%04d', n), 'identified', 1, 'failed', 1, 500,
         printf('HTTP 500 number %04d', n), strftime('%Y-%m-%dT%H:%M:%SZ', 'now', printf('-%d seconds', n))
       FROM seq`,
    )
      .bind(alert.id, owner.organization.id, alert.channels[0]!.id)
      .run();
    const { browser: b, notifications } = await adminOf(owner);
    const seen: string[] = [];
    let path: string | null = `${notifications}/alerts/${alert.id}`;
    while (path) {
      const page = await b.get(path);
      expect(page.status).toBe(200);
      seen.push(...[...page.html.matchAll(/HTTP 500 number (\d{4})/g)].map((m) => m[1]!));
      path = page.html.match(/href="([^"]+)">Older messages</)?.[1]?.replace(/&amp;/g, "&") ?? null;
    }
    expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => String(i + 1).padStart(4, "0")));
    const bad = await b.get(`${notifications}/alerts/${alert.id}?cursor=nonsense`);
    expect(bad.html).toContain("That page of the log is not valid any more");
  });
});

describe("who may use it", { timeout: 30_000 }, () => {
  it("a viewer has no Notifications page and can change nothing", async () => {
    const owner = await newOrganization();
    const alert = await createAlert(owner, { name: "Any", trigger: "identified", channels: [chatChannel().channel] });
    const { browser: b, home, notifications } = await adminOf(owner, "viewer");
    const overview = await b.get(home);
    expect(overview.html).not.toContain("/notifications");
    const csrf = csrfOf(overview.html);
    expect((await b.get(notifications)).status).toBe(404);
    expect((await b.get(`${notifications}/alerts/${alert.id}`)).status).toBe(404);
    const slack = chatChannel();
    for (const [path, fields] of [
      [
        `${notifications}/alerts/new`,
        { name: "Mine", trigger: "identified", cooldownHours: "1", "new-url": slack.channel.webhookUrl },
      ],
      [`${notifications}/alerts/${alert.id}`, { name: "Renamed", trigger: "identified", cooldownHours: "1" }],
      [`${notifications}/alerts/${alert.id}/enabled`, { enabled: "off" }],
      [`${notifications}/alerts/${alert.id}/test`, {}],
      [`${notifications}/alerts/${alert.id}/delete`, {}],
    ] as const) {
      expect((await b.post(path, { _csrf: csrf, ...fields })).status, path).toBe(404);
    }
    expect(await alertsOf(owner)).toMatchObject([{ id: alert.id, name: "Any", enabled: true }]);
    expect(await slack.receiver.received()).toEqual([]);
  });

  it.each([
    ["without a token", (_csrf: string) => ({}), undefined],
    ["with another session's token", (_csrf: string) => ({ _csrf: "0".repeat(64) }), undefined],
    ["from another origin", (csrf: string) => ({ _csrf: csrf }), "https://evil.example"],
  ])("refuses a form %s, and changes nothing", async (_what, token, origin) => {
    const owner = await newOrganization();
    const alert = await createAlert(owner, { name: "Any", trigger: "identified", channels: [chatChannel().channel] });
    const { browser: b, notifications } = await adminOf(owner);
    const csrf = csrfOf((await b.get(notifications)).html);
    const path = `${notifications}/alerts/${alert.id}`;
    for (const [action, fields] of [
      [
        `${notifications}/alerts/new`,
        { name: "Forged", trigger: "identified", cooldownHours: "1", "new-url": chatChannel().channel.webhookUrl },
      ],
      [`${path}/enabled`, { enabled: "off" }],
      [`${path}/delete`, {}],
    ] as const) {
      const res = await b.post(action, { ...token(csrf), ...fields }, { origin });
      expect(res.status, action).toBe(403);
      expect(res.html).toContain("This form has expired");
    }
    expect(await alertsOf(owner)).toMatchObject([{ id: alert.id, enabled: true }]);
  });

  it("another organization's alert is a page that does not exist", async () => {
    const mine = await newOrganization();
    const theirs = await newOrganization();
    const alert = await createAlert(theirs, {
      name: "Theirs",
      trigger: "identified",
      channels: [chatChannel().channel],
    });
    const { browser: b, notifications } = await adminOf(mine);
    expect((await b.get(`${notifications}/alerts/${alert.id}`)).status).toBe(404);
    const csrf = csrfOf((await b.get(notifications)).html);
    expect((await b.post(`${notifications}/alerts/${alert.id}/delete`, { _csrf: csrf })).status).toBe(404);
    expect(await alertsOf(theirs)).toHaveLength(1);
  });
});
