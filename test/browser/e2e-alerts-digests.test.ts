/**
 * End to end on `npm start` (issue 18, "Done when"): the demo a newcomer starts on a fresh clone
 * (the Worker under `wrangler dev`, the SMTP sink writing `.wrangler/mail/`, the seed), a real
 * Chromium on its demo page, Slack at a local receiver, and the mail read back from the sink's files;
 * last, the client's Notifications page showing it all, checked with axe-core.
 *
 * The demo partner sets up, through its API, what a client asks for: an ICP ("Software companies",
 * which the seeded "Localhost Labs", this machine's address, matches), a saved segment of ICP
 * companies, and two alert rules on it, each to a Slack channel and an e-mail recipient: one when an
 * ICP company views the pricing page (cooldown 24 h), one when an ICP company comes back after 7 days.
 *
 * Time: nobody waits a day. A return "eight days later" is the stored past moved eight days back in
 * the local D1 with `wrangler d1 execute --local`, exactly what the two triggers read: the rules'
 * cooldown claims (`alert_claims.at`, `until`) and the company's visits (`visitors.first_seen`,
 * `last_seen`). Digests are due at a future hour; the cron runs at that scheduled time through
 * Miniflare's `/cdn-cgi/local/scheduled?time=…` (the `scheduledTime` a real cron would have then).
 * Nothing else is moved: the Worker's own clock is the machine's.
 *
 * Every browser of this machine is the same company, and the Worker tells devices apart by address
 * and user agent: each visit below is another person of the company in another browser, so another
 * device and a visit of its own. One file, its steps in order.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, expect, it, type TestContext, vi } from "vitest";
import { describeBrowser, openPage, useBrowser } from "./support/chromium.ts";
import { checkPage, heading, openTab, PHONE } from "./support/dashboard.ts";
import { parseHit } from "./support/hit-sink.ts";
import { type Mail, type NpmStart, startNpmStart } from "./support/npm-start.ts";
import { HUMAN_INIT, HUMAN_UA } from "./support/site.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.ts";

/** Three people of "Localhost Labs", each in their own browser. */
const PEOPLE = {
  first: HUMAN_UA,
  colleague:
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36",
  later:
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0",
};
const SLACK = {
  pricing: "/services/T0ACME/B0PRICING/x1",
  returns: "/services/T0ACME/B0RETURNS/x2",
  marker: "/services/T0ACME/B0MARKER/x3",
};
const SALES = "sales@acme-widgets.example";
const SUCCESS = "success@acme-widgets.example";
/** The seed's daily-digest recipient (who unsubscribes below), and a colleague getting the same digests. */
const CLIENT = "you@acme-widgets.example";
const TEAM = "team@acme-widgets.example";
/** The promise: an alert within 60 s of the hit. */
const ALERT_WITHIN_MS = 60_000;
/** Anything else the Worker does in the background (digest jobs): generous, the machine is shared. */
const BACKGROUND_MS = 120_000;
const DAY_S = 86_400;
const STEP_TIMEOUT = 240_000;

interface Delivery {
  channel: { type: string };
  status: "pending" | "sent" | "failed";
  error: string | null;
}
interface DigestRecipient {
  email: string;
  frequency: "daily" | "weekly";
  unsubscribed: boolean;
  lastDigest: { periodEnd: string; status: string; reason: string | null } | null;
}

describeBrowser("npm start: alerts to Slack and e-mail, and daily digests, as a client gets them", () => {
  const browser = useBrowser();
  let app: NpmStart;
  let slack: WebhookReceiver;
  let org: string;
  let tenant: string;
  let rules: { pricing: string; returns: string };

  beforeAll(async () => {
    slack = await startWebhookReceiver();
    app = await startNpmStart();
    org = `/api/v1/partner/organizations/${app.banner.organizationId}`;
    const [partner] = await app.d1<{ shard: number }>("CATALOG", "SELECT shard FROM partners WHERE slug = 'demo'");
    tenant = `TENANT_${partner!.shard}`;

    await app.partner("POST", `${org}/icp-configs`, {
      name: "Software companies",
      groups: [{ operator: "AND", conditions: [{ type: "industry", comparator: "in", value: ["Software"] }] }],
    });
    const { segment } = await app.partner("POST", `${org}/segments`, {
      name: "ICP companies",
      filter: { icpMatched: true },
    });
    const rule = async (body: object) => (await app.partner("POST", `${org}/alerts`, body)).alert.id as string;
    rules = {
      pricing: await rule({
        name: "ICP company on the pricing page",
        trigger: "page_viewed",
        pages: [`/demo/${app.banner.pixelKey}/pricing*`],
        segmentId: segment.id,
        cooldownHours: 24,
        channels: [
          { type: "slack", webhookUrl: slack.origin + SLACK.pricing },
          { type: "email", recipients: [SALES] },
        ],
      }),
      returns: await rule({
        name: "ICP company is back",
        trigger: "returned",
        returnAfterDays: 7,
        segmentId: segment.id,
        cooldownHours: 24,
        channels: [
          { type: "slack", webhookUrl: slack.origin + SLACK.returns },
          { type: "email", recipients: [SUCCESS] },
        ],
      }),
    };
  }, 360_000);

  afterAll(async () => {
    await app?.stop();
    await slack?.close();
  }, 60_000);

  beforeEach((ctx) => {
    ctx.onTestFailed(() => console.error(`npm start's output (last part):\n${app?.output().slice(-8000)}`));
  });

  const mailsTo = async (address: string) => (await app.mails()).filter((mail) => mail.to === address);
  const deliveries = async (ruleId: string) =>
    (await app.partner<{ deliveries: Delivery[] }>("GET", `${org}/alerts/${ruleId}/deliveries?pageSize=100`))
      .deliveries;
  /** Every delivery of the rule settled (none pending), `count` of them. */
  const settled = (ruleId: string, count: number) =>
    vi.waitFor(
      async () => {
        const list = await deliveries(ruleId);
        expect(list).toHaveLength(count);
        expect(list.filter((d) => d.status !== "sent")).toEqual([]);
        return list;
      },
      { timeout: BACKGROUND_MS, interval: 500 },
    );
  const visitor = async () => {
    const { visitors } = await app.partner("GET", `${org}/visitors?pageSize=10`);
    return visitors[0] as { id: string; company: { name: string }; engagement: { sessions: number } };
  };

  /** A person opens the demo page and clicks "Pricing"; resolves once the Worker accepted the pricing view. */
  async function visitPricing(ctx: TestContext, userAgent: string): Promise<Page> {
    const page = await openPage(browser(), ctx, { userAgent });
    await page.addInitScript(HUMAN_INIT);
    const viewOf = (url: string) =>
      page.waitForResponse((response) => {
        const request = response.request();
        if (request.method() !== "POST" || new URL(request.url()).pathname !== "/e") return false;
        const hit = parseHit(request.postData() ?? "");
        return hit.t === "v" && hit.u === url;
      });
    const home = viewOf(app.banner.demoUrl);
    await page.goto(app.banner.demoUrl);
    expect((await home).status()).toBe(204);
    const pricing = viewOf(`${app.banner.demoUrl}/pricing`);
    await page.getByRole("link", { name: "Pricing" }).click();
    expect((await pricing).status()).toBe(204);
    return page;
  }

  it(
    "a visit of an ICP company to the pricing page sends one Slack message and one e-mail within 60 s",
    async (ctx) => {
      await visitPricing(ctx, PEOPLE.first);
      await vi.waitFor(
        async () => {
          expect(slack.posts(SLACK.pricing).length).toBeGreaterThan(0);
          expect((await mailsTo(SALES)).length).toBeGreaterThan(0);
        },
        { timeout: ALERT_WITHIN_MS, interval: 500 },
      );
      // Every delivery of the firing has gone: what arrived is all that will.
      await settled(rules.pricing, 2);
      expect(slack.posts(SLACK.pricing)).toHaveLength(1);
      expect(await mailsTo(SALES)).toHaveLength(1);
      expect(await deliveries(rules.returns)).toEqual([]); // a first visit is no return

      const company = await visitor();
      expect(company.company.name).toBe("Localhost Labs");
      const message = slack.posts(SLACK.pricing)[0]!.body as { text: string; blocks: any[] };
      expect(message.text).toContain("Key page viewed: Localhost Labs");
      expect(message.blocks[0].text.text).toBe("Localhost Labs");
      expect(JSON.stringify(message.blocks)).toContain("Software companies"); // the ICP it matched
      const button = message.blocks.find((b) => b.type === "actions").elements[0];
      expect(button.url).toBe(`${app.url}/app/o/${app.banner.organizationId}/companies/${company.id}`);

      const [mail] = (await mailsTo(SALES)) as [Mail];
      expect(mail.subject).toBe("Key page viewed: Localhost Labs");
      expect(mail.from).toBe('"Demo Agency" <notifications@mail.example>');
      expect(mail.text).toContain(`/demo/${app.banner.pixelKey}/pricing`);
      expect(mail.html).toContain("Localhost Labs");
      expect(mail.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
      expect(mail.headers["list-unsubscribe"]).toMatch(new RegExp(`^<${app.url}/app/unsubscribe/[\\w.-]+>$`));
      expect(`${mail.text}${mail.html}`).not.toMatch(/sightline/i);
    },
    STEP_TIMEOUT,
  );

  it(
    "a second visit of the company within the cooldown sends nothing",
    async (ctx) => {
      // A rule created now has no cooldown yet: its message shows that the consumer has weighed the
      // colleague's pricing view against every rule (in the same batch of writes that would have
      // recorded the ICP rule's deliveries), so the ICP rule's silence is its cooldown, not a slow queue.
      const { alert: marker } = await app.partner("POST", `${org}/alerts`, {
        name: "Any company on the pricing page",
        trigger: "page_viewed",
        pages: [`/demo/${app.banner.pixelKey}/pricing*`],
        channels: [{ type: "slack", webhookUrl: slack.origin + SLACK.marker }],
      });
      await visitPricing(ctx, PEOPLE.colleague);
      await vi.waitFor(() => expect(slack.posts(SLACK.marker)).toHaveLength(1), { timeout: ALERT_WITHIN_MS });
      await app.partner("DELETE", `${org}/alerts/${marker.id}`);

      expect((await visitor()).engagement.sessions).toBe(2); // a visit of its own
      expect(await deliveries(rules.pricing)).toHaveLength(2); // the first visit's only
      expect(slack.posts(SLACK.pricing)).toHaveLength(1);
      expect(await mailsTo(SALES)).toHaveLength(1);
      expect(await deliveries(rules.returns)).toEqual([]);
    },
    STEP_TIMEOUT,
  );

  it(
    "a return eight days later alerts again: the pricing rule's cooldown is over, and the return rule fires",
    async (ctx) => {
      const organizationId = app.banner.organizationId.replace(/'/g, "");
      const eightDays = 8 * DAY_S;
      await app.d1(
        tenant,
        `UPDATE alert_claims SET at = at - ${eightDays}, until = until - ${eightDays}
           WHERE rule_id IN (SELECT id FROM alert_rules WHERE organization_id = '${organizationId}');
         UPDATE visitors SET first_seen = first_seen - ${eightDays}, last_seen = last_seen - ${eightDays}
           WHERE org = (SELECT key FROM organization_keys WHERE organization_id = '${organizationId}')`,
      );
      await visitPricing(ctx, PEOPLE.later);
      await vi.waitFor(
        async () => {
          expect(slack.posts(SLACK.pricing)).toHaveLength(2);
          expect(slack.posts(SLACK.returns)).toHaveLength(1);
          expect(await mailsTo(SALES)).toHaveLength(2);
          expect(await mailsTo(SUCCESS)).toHaveLength(1);
        },
        { timeout: ALERT_WITHIN_MS, interval: 500 },
      );
      await settled(rules.pricing, 4);
      await settled(rules.returns, 2);
      expect(slack.posts(SLACK.pricing)).toHaveLength(2);
      expect(slack.posts(SLACK.returns)).toHaveLength(1);
      expect(await mailsTo(SALES)).toHaveLength(2);
      expect(await mailsTo(SUCCESS)).toHaveLength(1);

      const back = slack.posts(SLACK.returns)[0]!.body as { text: string };
      expect(back.text).toContain("Returning visitor: Localhost Labs");
      expect((await mailsTo(SUCCESS))[0]!.subject).toBe("Returning visitor: Localhost Labs");
    },
    STEP_TIMEOUT,
  );

  /** Due times of the digests set below: daily at the hour before this one, weekly two days after the daily. */
  let due: { daily: number; weekly: number };
  const digestsTo = async (address: string, frequency: "daily" | "weekly") =>
    (await mailsTo(address)).filter((mail) =>
      mail.subject.startsWith(frequency === "daily" ? "Acme Widgets: " : "Acme Widgets this week: "),
    );
  const recipients = async () =>
    (await app.partner<{ digests: { recipients: DigestRecipient[] } }>("GET", `${org}/digests`)).digests.recipients;
  const lastDigest = async (email: string, frequency: "daily" | "weekly") =>
    (await recipients()).find((r) => r.email === email && r.frequency === frequency)!;

  it(
    "the daily digest lands once for each recipient, though the cron runs twice",
    async () => {
      // The schedule, from scratch (no recipients: nothing due), so that its due times follow from now:
      // the daily digest covers the day up to the next time it is the hour before this one (which
      // holds this test's visits), the weekly one is due two days after that.
      const now = Date.now();
      const hourUtc = (new Date(now).getUTCHours() + 23) % 24;
      let daily = Math.floor(now / 1000 / DAY_S) * DAY_S + hourUtc * 3600;
      while (daily * 1000 <= now) daily += DAY_S;
      const weekly = daily + 2 * DAY_S;
      const weekday = ((new Date(weekly * 1000).getUTCDay() + 6) % 7) + 1;
      await app.partner("PUT", `${org}/digests`, { recipients: [] });
      const { digests } = await app.partner("PUT", `${org}/digests`, {
        hourUtc,
        weekday,
        recipients: [
          { email: CLIENT, frequency: "daily" },
          { email: TEAM, frequency: "daily" },
          { email: CLIENT, frequency: "weekly" },
          { email: TEAM, frequency: "weekly" },
        ],
      });
      expect([Date.parse(digests.nextDaily), Date.parse(digests.nextWeekly)]).toEqual([daily * 1000, weekly * 1000]);
      due = { daily: daily * 1000, weekly: weekly * 1000 };

      // Two runs of the cron at the due time, at once, then the next run 15 minutes later.
      await Promise.all([app.cron(due.daily), app.cron(due.daily)]);
      await app.cron(due.daily + 15 * 60_000);
      await vi.waitFor(
        async () => {
          for (const email of [CLIENT, TEAM]) {
            expect(await lastDigest(email, "daily")).toMatchObject({
              lastDigest: { periodEnd: new Date(due.daily).toISOString().replace(".000", ""), status: "sent" },
            });
          }
        },
        { timeout: BACKGROUND_MS, interval: 500 },
      );
      expect(await digestsTo(CLIENT, "daily")).toHaveLength(1);
      expect(await digestsTo(TEAM, "daily")).toHaveLength(1);
      // One claim per recipient and period: a third digest has nothing to be sent from.
      const claims = await app.d1<{ email: string; n: number }>(
        tenant,
        `SELECT email, count(*) AS n FROM digest_claims WHERE organization_id = '${app.banner.organizationId}'
           AND frequency = 'daily' GROUP BY email ORDER BY email`,
      );
      expect(claims).toEqual([
        { email: TEAM, n: 1 },
        { email: CLIENT, n: 1 },
      ]);
      const [digest] = (await digestsTo(CLIENT, "daily")) as [Mail];
      expect(digest.text).toContain("Localhost Labs");
      expect(digest.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
    },
    STEP_TIMEOUT,
  );

  it(
    "unsubscribing with the link in the digest stops the next digest, and only for that recipient",
    async (ctx) => {
      const [digest] = (await digestsTo(CLIENT, "daily")) as [Mail];
      // The mail as a mail client shows it; its footer's link opens the unsubscribe page of the demo's dashboard.
      const page = await openPage(browser(), ctx);
      await page.setContent(digest.html);
      await page.getByRole("link", { name: "Unsubscribe" }).click();
      await expect.poll(() => page.locator("h1").innerText()).toBe("Unsubscribe?");
      expect(new URL(page.url()).origin).toBe(app.url);
      await page.getByRole("button", { name: "Unsubscribe" }).click();
      await expect.poll(() => page.locator("h1").innerText()).toBe("You are unsubscribed");
      expect((await lastDigest(CLIENT, "weekly")).unsubscribed).toBe(true);

      // The next digest due is the weekly one, whose week holds this test's visits.
      await app.cron(due.weekly);
      const end = new Date(due.weekly).toISOString().replace(".000", "");
      await vi.waitFor(
        async () => {
          expect(await lastDigest(TEAM, "weekly")).toMatchObject({ lastDigest: { periodEnd: end, status: "sent" } });
          expect(await lastDigest(CLIENT, "weekly")).toMatchObject({
            lastDigest: { periodEnd: end, status: "skipped", reason: "the recipient unsubscribed" },
          });
        },
        { timeout: BACKGROUND_MS, interval: 500 },
      );
      expect(await digestsTo(TEAM, "weekly")).toHaveLength(1);
      expect(await digestsTo(CLIENT, "weekly")).toEqual([]);
      expect(await digestsTo(CLIENT, "daily")).toHaveLength(1);
    },
    STEP_TIMEOUT,
  );

  it(
    "the Slack message's button opens the company on the client's dashboard",
    async (ctx) => {
      // A fresh sign-in link, as `npm run seed` prints (the banner's work once, for 10 minutes).
      const { dashboardLink } = await app.partner("POST", `${org}/dashboard-links`, { email: CLIENT, role: "admin" });
      const { page, errors } = await openTab(browser(), ctx);
      await page.goto(dashboardLink.url);
      const message = slack.posts(SLACK.pricing)[0]!.body as { blocks: any[] };
      await page.goto(message.blocks.find((b) => b.type === "actions").elements[0].url);
      await expect.poll(() => heading(page)).toBe("Localhost Labs");
      expect(await page.locator("main").innerText()).toContain(`/demo/${app.banner.pixelKey}/pricing`);
      expect(errors).toEqual([]);
    },
    STEP_TIMEOUT,
  );

  it("npm start asks workers.cloudflare.com for nothing (no Request.cf download)", () => {
    expect(app.output()).not.toContain("Request.cf");
  });

  it(
    "the Notifications page, an alert with its delivery log and the digests are axe-clean, at 375 px too",
    async (ctx) => {
      const { dashboardLink } = await app.partner("POST", `${org}/dashboard-links`, { email: CLIENT, role: "admin" });
      const { page, errors } = await openTab(browser(), ctx);
      await page.goto(dashboardLink.url);
      for (const [size, width] of [
        [undefined, "desktop"],
        [PHONE, "375px"],
      ] as const) {
        if (size) await page.setViewportSize(size);
        await page.goto(`${app.url}/app/o/${app.banner.organizationId}/notifications`);
        await expect.poll(() => heading(page)).toBe("Notifications");
        const list = await page.locator("main").innerText();
        for (const name of ["A company on the pricing page", "ICP company on the pricing page", "ICP company is back"])
          expect(list).toContain(name);
        expect(await page.content()).not.toContain(slack.origin); // channel URLs are secrets, never shown
        await checkPage(page, `npm-start-notifications-${width}`, errors);

        await page.getByRole("link", { name: "ICP company on the pricing page", exact: true }).click();
        await expect.poll(() => heading(page)).toBe("ICP company on the pricing page");
        // The delivery log: the two firings, each to Slack and by e-mail.
        await expect.poll(() => page.locator("main").innerText()).toContain(SALES);
        await checkPage(page, `npm-start-notifications-alert-${width}`, errors);

        await page.goto(`${app.url}/app/o/${app.banner.organizationId}/notifications/digests`);
        await expect.poll(() => page.locator("main").innerText()).toContain(TEAM);
        await checkPage(page, `npm-start-notifications-digests-${width}`, errors);
      }
    },
    STEP_TIMEOUT,
  );
});
