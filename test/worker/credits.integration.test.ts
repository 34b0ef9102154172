import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin } from "./support/api";
import { importCompany, newOrganization } from "./support/partners";
import { accepted, deliver, freshIp, pageView, sendHit } from "./support/hits";
import { receipts, waitForReceipts } from "./support/receipts";
import { counterOf, flushCounter } from "./support/counter";
import { installFaults } from "./support/env-faults";

describe("credits", () => {
  it("charges a replayed event id once", async () => {
    const { api, organization, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const hit = pageView(pixelKey);
    await sendHit(hit, { ip });
    await sendHit(hit, { ip });
    await waitForReceipts(organization.id, 1);
    await sendHit(hit, { ip }); // after the first was fully processed
    // A later hit from an unknown address: once its outcome is stored, the replay before it was processed too.
    await sendHit(pageView(pixelKey), { ip: freshIp() });
    const rows = await waitForReceipts(organization.id, 2);
    expect(rows.map((r) => [r.reason, r.event_id])).toEqual([
      ["charged", hit.i],
      ["not_identified", null],
    ]);
    const org = await api("GET", `/organizations/${organization.id}`);
    expect(org.body.organization.creditsUsed).toBe(1);
    const { body } = await api("GET", `/organizations/${organization.id}/visitors`);
    expect(body.visitors[0].engagement.pageViews).toBe(1);
  });

  it("charges a consumer retry of the same batch once", async () => {
    const { organization, partner, pixelKey } = await newOrganization();
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const message = accepted(organization.id, partner, pixelKey, ip, Date.now());
    await deliver([message]);
    await deliver([message]);
    const rows = await receipts(organization.id);
    expect(rows).toEqual([expect.objectContaining({ reason: "charged", credits: 1 })]);
  });

  it("writes the receipt of a charge whose answer was lost when its hit is redelivered, also after another hit of the visitor", async () => {
    const installed = installFaults();
    try {
      const { api, organization, partner, pixelKey } = await newOrganization();
      const ip = freshIp();
      await importCompany(`${ip}/32`);
      const first = accepted(organization.id, partner, pixelKey, ip, Date.now());
      // The counter charges the first hit, but its answer is lost: the message is retried.
      installed.faults.arm({ target: "counter", method: "charge", mode: "after" });
      expect((await deliver([first])).retryMessages).toHaveLength(1);
      // Meanwhile the same company visits again: already charged this period.
      await deliver([accepted(organization.id, partner, pixelKey, ip, Date.now())]);
      await deliver([first], { attempts: 2 });
      expect((await receipts(organization.id)).map((r) => [r.reason, r.event_id])).toEqual([
        ["charged", first.hit.i],
        ["already_charged_this_period", null],
      ]);
      await flushCounter(organization.id);
      const usage = await api("GET", "/billing/usage");
      expect(usage.body.organizations[0]).toMatchObject({ organizationId: organization.id, creditsConsumed: 1 });
    } finally {
      installed.restore();
    }
  });

  it("records no_credit and stores the visit as unidentified when the allocation is spent", async () => {
    const { api, organization, pixelKey } = await newOrganization({ initialCredits: 1 });
    const [first, second] = [freshIp(), freshIp()];
    await importCompany(`${first}/32`);
    await importCompany(`${second}/32`);
    await sendHit(pageView(pixelKey), { ip: first });
    await waitForReceipts(organization.id, 1);
    await sendHit(pageView(pixelKey), { ip: second });
    const rows = await waitForReceipts(organization.id, 2);
    expect(rows.map((r) => r.reason)).toEqual(["charged", "no_credit"]);
    const org = await api("GET", `/organizations/${organization.id}`);
    expect(org.body.organization).toMatchObject({ credits: 1, creditsUsed: 1, creditsAvailable: 0 });
    const visitors = await api("GET", `/organizations/${organization.id}/visitors`);
    expect(visitors.body.total).toBe(1);

    // More credits: the same company is charged on its next visit.
    await api("PUT", `/organizations/${organization.id}/credits`, { credits: 2 });
    await sendHit(pageView(pixelKey), { ip: second });
    // Charges have receipts; the other outcomes are daily counts, listed after them.
    expect((await waitForReceipts(organization.id, 3)).map((r) => r.reason)).toEqual([
      "charged",
      "charged",
      "no_credit",
    ]);
  });

  it("charges the same company again in the next billing period", async () => {
    const { api, organization, partner, pixelKey } = await newOrganization({ billingDayOfMonth: 1 });
    const ip = freshIp();
    await importCompany(`${ip}/32`);
    const now = new Date();
    const thisPeriod = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1, 12);
    const nextPeriod = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 0, 0, 1);
    await deliver([accepted(organization.id, partner, pixelKey, ip, thisPeriod)]);
    await deliver([accepted(organization.id, partner, pixelKey, ip, thisPeriod + 3600_000)]);
    await deliver([accepted(organization.id, partner, pixelKey, ip, nextPeriod)]);
    const rows = await receipts(organization.id);
    expect(rows.map((r) => r.reason)).toEqual(["charged", "charged", "already_charged_this_period"]);
    const { body } = await api("GET", `/organizations/${organization.id}/receipts`);
    expect(body.receipts.map((r: { periodStart: string }) => r.periodStart).sort()).toEqual([
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString().replace(".000", ""),
      new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString().replace(".000", ""),
    ]);
  });

  it("charges exactly 100 of 1,000 concurrent identifications against 100 credits, and D1 agrees", async () => {
    const { api, organization, pixelKey } = await newOrganization({ initialCredits: 100 });
    const ips = Array.from({ length: 1000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.7`);
    const res = await admin(
      "POST",
      "/companies",
      ips.map((ip, i) => ({ name: `Concurrent ${i}`, domain: `concurrent-${i}.example`, ipRanges: [`${ip}/32`] })),
    );
    expect(res.status).toBe(200);

    const statuses = await Promise.all(ips.map((ip) => sendHit(pageView(pixelKey), { ip }).then((r) => r.status)));
    expect(statuses.every((s: number) => s === 204)).toBe(true);
    const rows = await waitForReceipts(organization.id, 1000, 60_000);
    const charged = rows.filter((r) => r.reason === "charged");
    expect(charged).toHaveLength(100);
    expect(rows.filter((r) => r.reason === "no_credit")).toHaveLength(900);
    expect(new Set(charged.map((r) => r.identity_key)).size).toBe(100);

    const org = await api("GET", `/organizations/${organization.id}`);
    expect(org.body.organization).toMatchObject({ creditsUsed: 100, creditsAvailable: 0 });
    expect((await api("GET", `/organizations/${organization.id}/visitors?limit=1`)).body.total).toBe(100);
    const stub = await counterOf(organization.id);
    const charges = await runInDurableObject(
      stub,
      (_, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM charged").one().n,
    );
    expect(charges).toBe(100);
  }, 90_000);
});
