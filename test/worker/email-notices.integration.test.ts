import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { NOTICE_MAX_ATTEMPTS, resumeStalledNotices, sendNotice } from "../../worker/email/notice-job";
import worker from "../../worker/index";
import { receiverBucket } from "../fixtures/receiver";
import { importCompany, newOrganization, tenantOf } from "./support/partners";
import { freshIp, pageView, sendHit } from "./support/hits";
import { waitForReceipts } from "./support/receipts";
import { counterOf, dropAlarm, flushAll } from "./support/counter";
import { mailTo, mailsTo, newRecipient } from "./support/mailbox";

/**
 * The e-mail preferences in effect: each notice is mailed once to the partner's support address,
 * in its brand, when what it announces happens, unless the partner (or the organization's
 * override) turned it off or the recipient unsubscribed.
 */

async function partnerWithInbox(orgBody: Record<string, unknown> = {}) {
  const inbox = newRecipient("agency.example");
  const p = await newOrganization({ name: "Contoso Dental", externalId: "crm-7", ...orgBody }, { supportEmail: inbox });
  return { ...p, inbox };
}

/** The jobs queue delivers in batches of up to a second: notices settle within a few seconds. */
const settled = { timeout: 10_000, interval: 100 };

const subjects = async (inbox: string) => (await mailsTo(inbox)).map((m) => m.subject);

/** The notices recorded for an organization, by kind and status: what became of them and why. */
async function notices(partnerId: string, organizationId: string) {
  const { DB } = await tenantOf(partnerId);
  const { results } = await DB.prepare(
    "SELECT kind, status, reason FROM email_notices WHERE organization_id = ? ORDER BY kind, status",
  )
    .bind(organizationId)
    .all<{ kind: string; status: string; reason: string | null }>();
  return results;
}

/** A notice recorded as if its cause just happened, without its job: the test runs the job itself. */
async function pendingNotice(partnerId: string, organizationId: string, createdAt = new Date()) {
  const id = `ntc_${crypto.randomUUID().replace(/-/g, "")}`;
  const tenant = await tenantOf(partnerId);
  await tenant.DB.prepare(
    `INSERT INTO email_notices (id, partner_id, organization_id, kind, data, created_at) VALUES (?, ?, ?, 'credits_exhausted', ?, ?)`,
  )
    .bind(
      id,
      partnerId,
      organizationId,
      JSON.stringify({
        periodStart: "2026-01-01T00:00:00Z",
        creditsUsed: 5,
        creditsAvailable: 0,
        creditsAllocated: 5,
      }),
      createdAt.toISOString().slice(0, 19) + "Z",
    )
    .run();
  return { id, tenant };
}

async function runCron() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/15 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

// Notices go through the JOBS queue: a test waits for its batches, longer on a busy machine.
describe("account notices", { timeout: 30_000 }, () => {
  it("mails the partner when a client is created, canceled and enabled again, each once", async () => {
    const { api, organization, inbox, partner } = await partnerWithInbox();
    const created = await mailTo(inbox);
    expect(created.subject).toBe("Contoso Dental is active");
    expect(created.text).toContain("Contoso Dental's script identifies visitors from now on");
    expect(created.text).toContain("Your id: crm-7");
    expect(created.from!.name).toBe("Agency");

    expect((await api("DELETE", `/organizations/${organization.id}`)).status).toBe(204);
    expect((await api("DELETE", `/organizations/${organization.id}`)).status).toBe(204);
    expect((await mailTo(inbox, { count: 2 })).subject).toBe("Contoso Dental is canceled");
    await api("PUT", `/organizations/${organization.id}/status`, { enabled: true });
    await api("PUT", `/organizations/${organization.id}/status`, { enabled: true });
    expect((await mailTo(inbox, { count: 3 })).subject).toBe("Contoso Dental is active again");
    await vi.waitFor(
      async () => expect((await notices(partner.id, organization.id)).every((n) => n.status === "sent")).toBe(true),
      settled,
    );
    expect(await subjects(inbox)).toHaveLength(3);
  });

  it("records nothing the partner, or the organization's override, turned off, or without a support address", async () => {
    const { api, organization, inbox, partner } = await partnerWithInbox();
    await mailTo(inbox);
    expect((await api("PUT", "/email-preferences", { subscription_canceled: false })).status).toBe(200);
    await api("DELETE", `/organizations/${organization.id}`);
    await api("PUT", `/organizations/${organization.id}/email-preferences`, { subscription_activated: false });
    await api("PUT", `/organizations/${organization.id}/status`, { enabled: true });
    // The override wins over the partner's choice, both ways.
    await api("PUT", `/organizations/${organization.id}/email-preferences`, { subscription_canceled: true });
    await api("DELETE", `/organizations/${organization.id}`);
    expect((await mailTo(inbox, { count: 2 })).subject).toBe("Contoso Dental is canceled");
    expect(await notices(partner.id, organization.id)).toEqual([
      { kind: "subscription_activated", status: "sent", reason: null },
      { kind: "subscription_canceled", status: expect.stringMatching(/^(sending|sent)$/), reason: null },
    ]);

    const silent = await newOrganization();
    expect(await notices(silent.partner.id, silent.organization.id)).toEqual([]);
  });

  it("skips a notice turned off after it was recorded", async () => {
    const { api, organization, inbox, partner } = await partnerWithInbox();
    await mailTo(inbox);
    const { id, tenant } = await pendingNotice(partner.id, organization.id);
    await api("PUT", "/email-preferences", { credits_exhausted: false });
    await sendNotice(tenant, id);
    expect(await notices(partner.id, organization.id)).toContainEqual({
      kind: "credits_exhausted",
      status: "skipped",
      reason: "turned off in the e-mail preferences",
    });
    expect(await subjects(inbox)).toHaveLength(1);
  });
});

describe("credit notices", () => {
  it(
    "mails the first identified visitor, low credits at the partner's threshold and no credits left, each once",
    { timeout: 30_000 },
    async () => {
      const { api, organization, inbox, pixelKey } = await partnerWithInbox({ initialCredits: 4 });
      const receiver = receiverBucket();
      const webhook = await api("PUT", "/webhooks/billing", { url: receiver.url("ok"), lowCreditThresholdPercent: 50 });
      expect(webhook.status, webhook.text).toBe(200);
      await mailTo(inbox);
      const ips = Array.from({ length: 5 }, () => freshIp());
      await importCompany(`${ips[0]}/32`, "Harborline Logistics");
      for (const ip of ips.slice(1)) await importCompany(`${ip}/32`);

      const visit = (ip: string) => sendHit(pageView(pixelKey), { ip });
      await visit(ips[0]!);
      await waitForReceipts(organization.id, 1);
      const first = await mailTo(inbox, { count: 2 });
      expect(first.subject).toBe("Contoso Dental: the first visitor is identified");
      expect(first.text).toMatch(/its first visitor was identified, Harborline Logistics \(.+\.example\)\./);

      for (const ip of ips.slice(1, 3)) await visit(ip);
      await waitForReceipts(organization.id, 3);
      const low = await mailTo(inbox, { count: 3 });
      expect(low.subject).toBe("Contoso Dental is running low on credits");
      expect(low.text).toContain("Contoso Dental has 2 of its 4 credits left in this billing period.");

      for (const ip of ips.slice(3)) await visit(ip);
      await waitForReceipts(organization.id, 5);
      const gone = await mailTo(inbox, { count: 4 });
      expect(gone.subject).toBe("Contoso Dental has used all its credits");
      // The same visitors again: no charge, no notice.
      for (const ip of ips) await visit(ip);
      await waitForReceipts(organization.id, 10);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await subjects(inbox)).toEqual([
        "Contoso Dental is active",
        "Contoso Dental: the first visitor is identified",
        "Contoso Dental is running low on credits",
        "Contoso Dental has used all its credits",
      ]);
    },
  );

  it("mails a receipt when a billing period closes, once", { timeout: 30_000 }, async () => {
    const { organization, inbox } = await partnerWithInbox({ initialCredits: 20, billingDayOfMonth: 1 });
    await mailTo(inbox);
    const now = new Date();
    const previousStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
    const stub = await counterOf(organization.id);
    await stub.charge(
      ["company:a", "company:b"].map((identity) => ({
        eventId: crypto.randomUUID(),
        identity,
        at: previousStart + 14 * 24 * 3600_000,
      })),
    );
    await flushAll(stub);
    await runCron();
    await runCron();
    const receipt = await mailTo(inbox, { count: 2, timeout: 20_000 });
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const thisStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    expect(receipt.subject).toBe(`Contoso Dental: billing period ${day(previousStart)} to ${day(thisStart)}`);
    expect(receipt.text).toContain("Used: 2");
    expect(receipt.text).toContain("Expired unused: 18");
    await dropAlarm(stub);
    await runCron();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await subjects(inbox)).toHaveLength(2);
  });
});

describe("a notice's job", { timeout: 30_000 }, () => {
  it("sends once when two deliveries of it run at once", async () => {
    const { partner, organization, inbox } = await partnerWithInbox();
    await mailTo(inbox);
    const { id, tenant } = await pendingNotice(partner.id, organization.id);
    await Promise.all([sendNotice(tenant, id), sendNotice(tenant, id), sendNotice(tenant, id)]);
    expect((await mailTo(inbox, { count: 2 })).subject).toBe("Contoso Dental has used all its credits");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await subjects(inbox)).toHaveLength(2);
  });

  it("is tried again while the server refuses, and given up after 5 attempts", async () => {
    const { partner, organization } = await newOrganization({}, { supportEmail: newRecipient("refused.test") });
    const { id, tenant } = await pendingNotice(partner.id, organization.id);
    for (let attempt = 1; attempt < NOTICE_MAX_ATTEMPTS; attempt++) {
      await expect(sendNotice(tenant, id)).rejects.toThrow(/refused the recipient \(RCPT TO\): 550/);
    }
    await sendNotice(tenant, id);
    const row = await tenant.DB.prepare("SELECT status, attempts, reason FROM email_notices WHERE id = ?")
      .bind(id)
      .first();
    expect(row).toMatchObject({
      status: "failed",
      attempts: NOTICE_MAX_ATTEMPTS,
      reason: expect.stringMatching(/550/),
    });
    await sendNotice(tenant, id);
    expect(
      (await tenant.DB.prepare("SELECT attempts FROM email_notices WHERE id = ?").bind(id).first())!.attempts,
    ).toBe(NOTICE_MAX_ATTEMPTS);
  });

  it("is queued again by the cron when its job was lost", async () => {
    const { partner, organization, inbox } = await partnerWithInbox();
    await mailTo(inbox);
    const { tenant } = await pendingNotice(partner.id, organization.id, new Date(Date.now() - 3600_000));
    await resumeStalledNotices(tenant);
    expect((await mailTo(inbox, { count: 2 })).subject).toBe("Contoso Dental has used all its credits");
  });
});
