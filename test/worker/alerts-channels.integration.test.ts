import { describe, expect, it, vi } from "vitest";
import { sha256Hex } from "../../worker/lib/crypto";
import { receiverBucket } from "../fixtures/receiver";
import { admin } from "./support/api";
import { importCompany, newPartner, tenantOfOrganization } from "./support/partners";
import { deliver, freshIp } from "./support/hits";
import { chatChannel, createAlert, deliveriesOf, HOUR_MS, icpCompanyOnSite, visitOf } from "./support/alerts";
import { b2cOrganization, visitAndIdentify } from "./support/people";

/**
 * What an alert never does (bots, excluded and suppressed visitors; person fields without the script's
 * consent) and how it handles its channels: Slack's 429 with Retry-After, a webhook gone for good.
 */

const textOf = (body: string) => JSON.stringify(JSON.parse(body));

describe("alerts: who never alerts", () => {
  it(
    "bots, excluded addresses and suppressed people never alert; an ordinary identification does",
    { timeout: 30_000 },
    async () => {
      const owner = await icpCompanyOnSite();
      const { receiver, channel } = chatChannel();
      const alert = await createAlert(owner, { name: "Everyone", trigger: "identified", channels: [channel] });
      const now = Date.now();
      await deliver([{ ...visitOf(owner, owner.ip, now), bot: true }]);
      const excludedIp = freshIp();
      await importCompany(`${excludedIp}/32`, "Own Office");
      await owner.api("PUT", `/organizations/${owner.organization.id}/exclusions`, {
        domains: [],
        ipRanges: [excludedIp],
      });
      await deliver([visitOf(owner, excludedIp, now + 1000)]);
      expect(await deliveriesOf(owner, alert.id)).toHaveLength(0);

      const shop = await b2cOrganization(owner.api);
      const shopAlert = await createAlert(
        { api: owner.api, organization: { id: shop.id } },
        { name: "People", trigger: "identified", channels: [channel] },
      );
      const hash = await sha256Hex(`${crypto.randomUUID()}@example.com`);
      await admin("POST", "/people", [{ emailSha256: hash, name: "Sam Suppressed" }]);
      await owner.api("POST", "/suppressions", { emailSha256: hash });
      await deliver(visitAndIdentify(shop, owner.partner, hash));
      expect(await deliveriesOf({ api: owner.api, organization: { id: shop.id } }, shopAlert.id)).toHaveLength(0);

      await deliver([visitOf(owner, owner.ip, now + 2000)]);
      await receiver.waitFor(1);
      expect(await deliveriesOf(owner, alert.id)).toHaveLength(1);
      expect((await receiver.received()).length).toBe(1);
    },
  );

  it(
    "a person's name, job title and e-mail domain reach Slack only where the consent mode had the script ask",
    { timeout: 30_000 },
    async () => {
      const { api, partner } = await newPartner();
      const hash = await sha256Hex(`${crypto.randomUUID()}@example.com`);
      await admin("POST", "/people", [
        { emailSha256: hash, name: "Pat Doe", jobTitle: "Head of Buying", emailDomain: "doe-buying.example" },
      ]);
      const asked = await b2cOrganization(api, "Asks for consent");
      const vouched = await b2cOrganization(api, "Own banner");
      expect((await api("PUT", `/organizations/${vouched.id}/pixel`, { consentMode: "off" })).status).toBe(200);
      const channels = { asked: chatChannel(), vouched: chatChannel() };
      for (const [organization, { channel }] of [
        [asked, channels.asked],
        [vouched, channels.vouched],
      ] as const) {
        await createAlert({ api, organization }, { name: "People", trigger: "identified", channels: [channel] });
        await deliver(visitAndIdentify(organization, partner, hash));
      }
      const [shown] = await channels.asked.receiver.waitFor(1);
      expect(textOf(shown!.body)).toContain("Pat Doe");
      expect(textOf(shown!.body)).toContain("*Job title*\\nHead of Buying");
      expect(textOf(shown!.body)).toContain("*E-mail domain*\\ndoe-buying.example");
      const [hidden] = await channels.vouched.receiver.waitFor(1);
      const message = JSON.parse(hidden!.body);
      expect(message.blocks[0].text.text).toBe("A person identified by e-mail");
      for (const personal of ["Pat Doe", "Head of Buying", "doe-buying.example"]) {
        expect(hidden!.body).not.toContain(personal);
      }
    },
  );
});

describe("alerts: channel failures", () => {
  it(
    "a 429 brings the message back after the channel's Retry-After, and it is sent then",
    { timeout: 30_000 },
    async () => {
      const owner = await icpCompanyOnSite();
      const { receiver, channel } = chatChannel("slack", "ratelimit/1/3");
      const alert = await createAlert(owner, { name: "Busy channel", trigger: "identified", channels: [channel] });
      await deliver([visitOf(owner, owner.ip, Date.now())]);
      const [limited, sent] = await receiver.waitFor(2, () => true, 25_000);
      expect(sent!.receivedAt - limited!.receivedAt).toBeGreaterThanOrEqual(3000);
      expect(sent!.body).toBe(limited!.body);
      expect(await deliveriesOf(owner, alert.id)).toMatchObject([{ status: "sent", attempts: 2 }]);
    },
  );

  it(
    "a 404 or 410 disables that channel with the reason, the others go on, and enabling the alert clears it",
    { timeout: 30_000 },
    async () => {
      const owner = await icpCompanyOnSite();
      const archived = chatChannel("slack", "error/410/channel_is_archived");
      const removed = chatChannel("teams", "status/404");
      const working = chatChannel();
      const alert = await createAlert(owner, {
        name: "Three channels",
        trigger: "page_viewed",
        pages: ["/pricing"],
        cooldownHours: 1,
        channels: [archived.channel, removed.channel, working.channel],
      });
      const now = Date.now();
      await deliver([visitOf(owner, owner.ip, now, "/pricing")]);
      await working.receiver.waitFor(1);
      const path = `/organizations/${owner.organization.id}/alerts/${alert.id}`;
      const disabled = await waitForDisabled(owner.api, path, 2);
      expect(disabled[0]).toMatchObject({
        type: "slack",
        disabledReason: "HTTP 410 channel_is_archived: the webhook URL no longer exists",
        disabledAt: expect.any(String),
      });
      expect(disabled[1]).toMatchObject({ type: "teams", disabledReason: expect.stringMatching(/^HTTP 404/) });
      expect(disabled[2]).toMatchObject({ type: "slack", disabledReason: null });

      await deliver([visitOf(owner, owner.ip, now + 2 * HOUR_MS, "/pricing")]);
      await working.receiver.waitFor(2);
      expect((await archived.receiver.received()).length).toBe(1);
      expect((await removed.receiver.received()).length).toBe(1);

      const enabled = await owner.api("PUT", path, { enabled: true });
      expect(enabled.status, enabled.text).toBe(200);
      expect(enabled.body.alert.channels.map((c: { disabledReason: unknown }) => c.disabledReason)).toEqual([
        null,
        null,
        null,
      ]);
    },
  );
});

/** Waits until `count` of the alert's channels show a disabled reason; returns the channels. */
async function waitForDisabled(
  api: (m: string, p: string) => Promise<{ body: { alert: { channels: { disabledReason: string | null }[] } } }>,
  path: string,
  count: number,
) {
  return vi.waitFor(
    async () => {
      const channels = (await api("GET", path)).body.alert.channels;
      if (channels.filter((c) => c.disabledReason !== null).length < count) throw new Error("not disabled yet");
      return channels as Record<string, unknown>[];
    },
    { timeout: 15_000, interval: 100 },
  );
}

/** The partner's webhook deliveries of one event type, from its delivery log (recorded when emitted). */
async function loggedEvents(api: (m: string, p: string) => Promise<{ body: { deliveries: unknown[] } }>, type: string) {
  return (await api("GET", `/webhooks/logs?eventType=${type}&pageSize=100`)).body.deliveries;
}

describe("alerts: webhook events", () => {
  it(
    "company.visited goes once per visit where the webhook opted in; alert.triggered once per alert",
    { timeout: 30_000 },
    async () => {
      const owner = await icpCompanyOnSite();
      const hooks = receiverBucket();
      const set = await owner.api("PUT", "/webhooks/identification", { url: hooks.url("ok"), companyVisited: true });
      expect(set.status, set.text).toBe(200);
      expect(set.body.webhook.companyVisited).toBe(true);
      const { channel } = chatChannel();
      const alert = await createAlert(owner, { name: "New ICP", trigger: "identified", channels: [channel] });
      const now = Date.now();
      const first = [visitOf(owner, owner.ip, now, "/")];
      await deliver(first);
      await deliver(first, { attempts: 2 });
      await deliver([visitOf(owner, owner.ip, now + 60_000, "/pricing")]);
      await deliver([visitOf(owner, owner.ip, now + 2 * HOUR_MS, "/")]);
      expect(await loggedEvents(owner.api, "visitor.identified")).toHaveLength(1);
      expect(await loggedEvents(owner.api, "company.visited")).toHaveLength(2);
      expect(await loggedEvents(owner.api, "alert.triggered")).toHaveLength(1);

      const received = (await hooks.waitFor(4)).map((r) => JSON.parse(r.body));
      const triggered = received.find((e) => e.type === "alert.triggered");
      expect(triggered).toMatchObject({
        organizationId: owner.organization.id,
        alert: { id: alert.id, name: "New ICP", trigger: "identified" },
        channels: [{ id: alert.channels[0]!.id, type: "slack" }],
        company: { name: owner.name, domain: owner.domain },
        visitor: { id: expect.stringMatching(/^vis_/) },
        session: { landingPage: "/" },
      });
      const visits = received.filter((e) => e.type === "company.visited");
      expect(visits.map((v) => v.session.landingPage)).toEqual(["/", "/"]);
      expect(new Set(visits.map((v) => v.session.id)).size).toBe(2);

      const other = await icpCompanyOnSite();
      await other.api("PUT", "/webhooks/identification", { url: receiverBucket().url("ok") });
      await deliver([visitOf(other, other.ip, now, "/")]);
      expect(await loggedEvents(other.api, "visitor.identified")).toHaveLength(1);
      expect(await loggedEvents(other.api, "company.visited")).toHaveLength(0);
    },
  );
});

describe("alerts: erasure", () => {
  it("erasing a visitor removes the alert deliveries and cooldowns that name it", { timeout: 30_000 }, async () => {
    const owner = await icpCompanyOnSite();
    const { receiver, channel } = chatChannel();
    const alert = await createAlert(owner, { name: "New", trigger: "identified", channels: [channel] });
    await deliver([visitOf(owner, owner.ip, Date.now())]);
    await receiver.waitFor(1);
    const [visitor] = (await owner.api("GET", `/organizations/${owner.organization.id}/visitors`)).body.visitors;
    expect(await deliveriesOf(owner, alert.id)).toMatchObject([{ visitorId: visitor.id }]);
    const erased = await owner.api("DELETE", `/organizations/${owner.organization.id}/visitors/${visitor.id}`);
    expect(erased.status, erased.text).toBe(204);
    expect(await deliveriesOf(owner, alert.id)).toEqual([]);
    const { DB } = await tenantOfOrganization(owner.organization.id);
    const claims = await DB.prepare("SELECT count(*) AS n FROM alert_claims WHERE rule_id = ?").bind(alert.id).first();
    expect(claims).toEqual({ n: 0 });
  });
});
