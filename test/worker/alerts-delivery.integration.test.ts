import { describe, expect, it } from "vitest";
import { scoreAndAlert } from "../../worker/collect/after-store";
import { activeRulesFrom, activeRulesStatement } from "../../worker/alerts/rules";
import { SLACK_LIMITS } from "../../worker/alerts/slack";
import type { OrganizationPlan } from "../../worker/collect/plan-types";
import { recipientsFrom, recipientStatements } from "../../worker/webhooks/recipients";
import { tenantOfOrganization } from "./support/partners";
import { deliver } from "./support/hits";
import { receipts } from "./support/receipts";
import {
  chatChannel,
  createAlert,
  DAY_MS,
  deliveriesOf,
  HOUR_MS,
  icpCompanyOnSite,
  saveSegment,
  visitOf,
} from "./support/alerts";

/**
 * Alerts from the hits consumer to Slack and Teams: real hits through the consumer, real D1 and
 * queues, messages posted to the local receiver Worker (test/fixtures/webhook-receiver.js).
 */

interface Block {
  type: string;
  text?: { type: string; text: string };
  fields?: { type: string; text: string }[];
  elements?: { type: string; text?: string | { text: string }; url?: string }[];
}
type SlackMessage = { text: string; blocks: Block[] };

const bodies = async (receiver: ReturnType<typeof chatChannel>["receiver"], count: number) =>
  (await receiver.waitFor(count)).map((r) => JSON.parse(r.body) as SlackMessage);

/** Every text of a Block Kit message against Slack's documented limits. */
function expectWithinSlackLimits(message: SlackMessage) {
  expect(message.text.length).toBeGreaterThan(0);
  expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const block of message.blocks) {
    if (block.type === "header") expect(Array.from(block.text!.text).length).toBeLessThanOrEqual(150);
    if (block.type === "section" && block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
    if (block.fields) {
      expect(block.fields.length).toBeLessThanOrEqual(10);
      for (const field of block.fields) expect(field.text.length).toBeLessThanOrEqual(2000);
    }
    if (block.type === "context") {
      expect(block.elements!.length).toBeLessThanOrEqual(10);
      for (const e of block.elements!) expect((e.text as string).length).toBeLessThanOrEqual(2000);
    }
    if (block.type === "actions") {
      for (const e of block.elements!) {
        expect(Array.from((e.text as { text: string }).text).length).toBeLessThanOrEqual(75);
        expect(e.url!.length).toBeLessThanOrEqual(3000);
      }
    }
  }
}

describe("alerts: identified and returning companies", () => {
  it(
    "an ICP company's first identification sends one Slack message within Slack's limits, a visit within the cooldown none, a return after returnAfterDays one more without a charge",
    { timeout: 40_000 },
    async () => {
      const name = `Harborline ${"Logistics ".repeat(20)}Worldwide`;
      const owner = await icpCompanyOnSite(name);
      const { receiver, channel } = chatChannel();
      const identified = await createAlert(owner, {
        name: "New ICP company",
        trigger: "identified",
        channels: [channel],
      });
      const returned = await createAlert(owner, {
        name: "Back again",
        trigger: "returned",
        returnAfterDays: 7,
        channels: [channel],
      });
      const t0 = Date.now();

      await deliver([visitOf(owner, owner.ip, t0, "/pricing")]);
      const [first] = await bodies(receiver, 1);
      expectWithinSlackLimits(first!);
      const header = first!.blocks.find((b) => b.type === "header")!.text!.text;
      expect(Array.from(header)).toHaveLength(150);
      expect(name.startsWith(header.slice(0, -1))).toBe(true);
      const fields = first!.blocks.find((b) => b.fields)!.fields!.map((f) => f.text);
      expect(fields).toEqual([
        "*Industry*\nSoftware",
        "*Size*\n51-200 employees",
        "*Country*\nUS",
        "*ICP score*\n100 (Software in the US)",
        "*Visits*\n1",
      ]);
      expect(JSON.stringify(first!.blocks)).toContain("`/pricing`");
      const button = first!.blocks.find((b) => b.type === "actions")!.elements![0]!;
      expect(button.url).toMatch(
        new RegExp(`^https://api\\.test/app/o/${owner.organization.id}/companies/vis_[A-Za-z0-9_-]{11}$`),
      );
      expect(first!.text).toContain("New visitor identified");

      // Three hours later, another visit: not a first identification, not a return.
      await deliver([visitOf(owner, owner.ip, t0 + 3 * HOUR_MS, "/pricing/teams")]);
      expect(await deliveriesOf(owner, identified.id)).toHaveLength(1);
      expect(await deliveriesOf(owner, returned.id)).toHaveLength(0);

      // Eight days later (the same billing period): a return, already paid for.
      await deliver([visitOf(owner, owner.ip, t0 + 8 * DAY_MS, "/")]);
      const messages = await bodies(receiver, 2);
      expect(messages[1]!.text).toContain("Returning visitor");
      expect(messages[1]!.blocks.find((b) => b.fields)!.fields!.at(-1)!.text).toBe("*Visits*\n3");
      expect(await deliveriesOf(owner, returned.id)).toMatchObject([{ status: "sent", attempts: 1 }]);
      const charges = (await receipts(owner.organization.id)).filter((r) => r.reason === "charged");
      expect(charges).toHaveLength(1);
      const usage = await owner.api("GET", `/organizations/${owner.organization.id}`);
      expect(usage.body.organization.creditsUsed).toBe(1);
      expect((await receiver.received()).length).toBe(2);
    },
  );

  it(
    "a Teams channel gets the same alert as an Adaptive Card in a Workflows message",
    { timeout: 30_000 },
    async () => {
      const owner = await icpCompanyOnSite("Quillstone Software");
      const { receiver, channel } = chatChannel("teams");
      await createAlert(owner, { name: "Teams", trigger: "identified", channels: [channel] });
      await deliver([visitOf(owner, owner.ip, Date.now(), "/pricing")]);
      const [request] = await receiver.waitFor(1);
      expect(request!.headers["content-type"]).toBe("application/json");
      const message = JSON.parse(request!.body);
      expect(message).toMatchObject({
        type: "message",
        attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", content: { type: "AdaptiveCard" } }],
      });
      const card = message.attachments[0].content;
      expect(card.body[1]).toMatchObject({ type: "TextBlock", text: "Quillstone Software", weight: "Bolder" });
      expect(card.body.find((b: { type: string }) => b.type === "FactSet").facts).toContainEqual({
        title: "Industry",
        value: "Software",
      });
      expect(card.actions[0]).toMatchObject({
        type: "Action.OpenUrl",
        url: expect.stringContaining("/companies/vis_"),
      });
    },
  );
});

describe("alerts: pages, segments and cooldown", () => {
  it(
    "page_viewed fires on a page matching /pricing*, then not again within the cooldown, then again after it",
    { timeout: 30_000 },
    async () => {
      const owner = await icpCompanyOnSite();
      const { receiver, channel } = chatChannel();
      const alert = await createAlert(owner, {
        name: "Pricing",
        trigger: "page_viewed",
        pages: ["/pricing*"],
        cooldownHours: 24,
        channels: [channel],
      });
      const t0 = Date.now();
      await deliver([visitOf(owner, owner.ip, t0, "/about")]);
      expect(await deliveriesOf(owner, alert.id)).toHaveLength(0);
      await deliver([visitOf(owner, owner.ip, t0 + 60_000, "/pricing/teams")]);
      const [message] = await receiver.waitFor(1).then((r) => r.map((x) => JSON.parse(x.body)));
      expect(message.text).toContain("Key page viewed");
      expect(JSON.stringify(message.blocks)).toContain("`/about` → `/pricing/teams`");
      await deliver([visitOf(owner, owner.ip, t0 + 2 * HOUR_MS, "/pricing")]);
      expect(await deliveriesOf(owner, alert.id)).toHaveLength(1);
      await deliver([visitOf(owner, owner.ip, t0 + 25 * HOUR_MS, "/pricing")]);
      await receiver.waitFor(2);
      expect(await deliveriesOf(owner, alert.id)).toHaveLength(2);
    },
  );

  it(
    "a segment keeps alerts to the visitors it holds: ICP-matched software companies, not retailers",
    { timeout: 30_000 },
    async () => {
      const owner = await icpCompanyOnSite();
      const software = chatChannel();
      const retail = chatChannel();
      const icp = await saveSegment(owner, {
        industries: ["software"],
        icpMatched: true,
        minScore: 60,
      });
      const shops = await saveSegment(owner, { industries: ["Retail"] });
      const matching = await createAlert(owner, {
        name: "ICP software",
        trigger: "identified",
        segmentId: icp,
        channels: [software.channel],
      });
      const other = await createAlert(owner, {
        name: "Retail",
        trigger: "identified",
        segmentId: shops,
        channels: [retail.channel],
      });
      await deliver([visitOf(owner, owner.ip, Date.now(), "/")]);
      await software.receiver.waitFor(1);
      expect(await deliveriesOf(owner, matching.id)).toHaveLength(1);
      expect(await deliveriesOf(owner, other.id)).toHaveLength(0);
    },
  );
});

describe("alerts: switched off", () => {
  it("an alert switched off fires for nobody; switched on, it fires again", { timeout: 30_000 }, async () => {
    const owner = await icpCompanyOnSite();
    const { receiver, channel } = chatChannel();
    const alert = await createAlert(owner, {
      name: "Pricing",
      trigger: "page_viewed",
      pages: ["/pricing"],
      enabled: false,
      channels: [channel],
    });
    const now = Date.now();
    await deliver([visitOf(owner, owner.ip, now, "/pricing")]);
    expect(await deliveriesOf(owner, alert.id)).toHaveLength(0);
    const path = `/organizations/${owner.organization.id}/alerts/${alert.id}`;
    expect((await owner.api("PUT", path, { enabled: true })).body.alert.enabled).toBe(true);
    await deliver([visitOf(owner, owner.ip, now + 60_000, "/pricing")]);
    await receiver.waitFor(1);
    expect(await deliveriesOf(owner, alert.id)).toMatchObject([{ status: "sent" }]);
  });
});

describe("alerts: exactly once", () => {
  it(
    "a redelivered batch of hits, and two batches racing for the same company, send one message",
    { timeout: 30_000 },
    async () => {
      const owner = await icpCompanyOnSite();
      const { receiver, channel } = chatChannel();
      const alert = await createAlert(owner, {
        name: "Pricing",
        trigger: "page_viewed",
        pages: ["/pricing"],
        channels: [channel],
      });
      const now = Date.now();
      const batch = [visitOf(owner, owner.ip, now, "/pricing")];
      await deliver(batch);
      await deliver(batch, { attempts: 2 });
      // Two devices of the company on the pricing page at once, in two consumer runs.
      const other = visitOf(owner, owner.ip, now + 1000, "/pricing", "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0");
      const third = visitOf(owner, owner.ip, now + 2000, "/pricing", "Mozilla/5.0 (Macintosh) Safari/605.1.15");
      await Promise.all([deliver([other]), deliver([third])]);
      await receiver.waitFor(1);
      expect(await deliveriesOf(owner, alert.id)).toHaveLength(1);
      expect((await receiver.received()).length).toBe(1);
    },
  );

  it(
    "two consumers firing one rule for one visitor at the same moment claim its cooldown once",
    { timeout: 30_000 },
    async () => {
      const owner = await icpCompanyOnSite();
      const { receiver, channel } = chatChannel();
      const alert = await createAlert(owner, {
        name: "Pricing",
        trigger: "page_viewed",
        pages: ["/pricing"],
        channels: [channel],
      });
      const now = Date.now();
      await deliver([visitOf(owner, owner.ip, now, "/")]);
      const visitors = await owner.api("GET", `/organizations/${owner.organization.id}/visitors`);
      const visitor = (visitors.body.visitors[0].id as string).slice(4);
      const session = Math.floor(now / 1000);
      // What two consumer runs hold after storing a page view each: both read no cooldown before either claims.
      const plan = (key: string): OrganizationPlan =>
        ({
          organizationId: owner.organization.id,
          charged: [],
          visits: [],
          pageViews: [{ visitor, session, key, at: 5, path: "/pricing", engagedSeconds: 0, scrollDepth: null }],
        }) as unknown as OrganizationPlan;
      const tenant = await tenantOfOrganization(owner.organization.id);
      const [rules, ...recipientRows] = await tenant.DB.batch([
        activeRulesStatement(tenant.DB, [owner.organization.id]),
        ...recipientStatements(tenant.DB, [owner.organization.id], [owner.partner.id]),
      ]);
      const read = { rules: activeRulesFrom(rules!), recipients: recipientsFrom(recipientRows) };
      await Promise.all(
        ["aaaaaaaa", "bbbbbbbb"].map((key) =>
          scoreAndAlert(
            tenant,
            [],
            { configs: new Map(), generations: new Map() },
            [plan(key)],
            { rules: read.rules, claims: new Map() },
            read.recipients,
          ),
        ),
      );
      await receiver.waitFor(1);
      expect(await deliveriesOf(owner, alert.id)).toHaveLength(1);
    },
  );
});
