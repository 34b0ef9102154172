import { describe, expect, it } from "vitest";
import { JOBS_QUEUE } from "../../worker/jobs/message";
import { deliverTo } from "./support/hits";
import { saveSegment } from "./support/alerts";
import {
  claimsOf,
  company,
  DAY_S,
  HOUR_S,
  organizationWithDigests,
  runCron,
  settledClaims,
  visit,
} from "./support/digests";
import { mailTo, mailsTo, newRecipient, oneClickUnsubscribe, unsubscribeUrlOf } from "./support/mailbox";

/**
 * Digests through the real cron handler, the real JOBS queue and the real mailer to the SMTP sink
 * (test/fixtures/mail-sinks.ts). Time moves by running the cron at chosen scheduled times and by
 * giving hits chosen arrival times, never by waiting.
 */

describe("digests: exactly once per recipient and period", () => {
  it(
    "the cron run twice at once, and each job delivered twice more, mail one digest per recipient; the next period's digest covers the time since",
    { timeout: 60_000 },
    async () => {
      const [boss, sales] = [newRecipient(), newRecipient()];
      const owner = await organizationWithDigests([
        { email: boss, frequency: "daily" },
        { email: sales, frequency: "daily" },
      ]);
      await owner.api("PUT", "/branding", { companyName: "Northwind Insights", primaryColor: "#0f766e" });
      const due = owner.nextDaily;
      const [harbor, lumen, orbit] = [
        await company("Harborline Logistics"),
        await company("Lumen Analytics"),
        await company("Orbit Freight"),
      ];
      await visit(owner, harbor, due - 5 * HOUR_S, "/pricing");
      await visit(owner, lumen, due - 4 * HOUR_S, "/pricing");

      await Promise.all([runCron(due), runCron(due)]);
      const claimed = await claimsOf(owner.organization.id);
      expect(claimed.map((c) => [c.email, c.period_start, c.period_end]).sort()).toEqual(
        [boss, sales].sort().map((email) => [email, due - DAY_S, due]),
      );
      const jobs = claimed.flatMap((c, i) =>
        [0, 1].map((n) => ({
          id: `dup-${i}-${n}`,
          body: {
            type: "digests.send",
            organizationId: owner.organization.id,
            frequency: c.frequency,
            periodEnd: c.period_end,
            email: c.email,
            shard: owner.partner.shard,
          },
        })),
      );
      await deliverTo(JOBS_QUEUE, jobs);
      const mail = await mailTo(boss);
      expect((await settledClaims(owner.organization.id, 2)).map((c) => c.status)).toEqual(["sent", "sent"]);
      expect(await mailsTo(boss)).toHaveLength(1);
      expect(await mailsTo(sales)).toHaveLength(1);

      expect(mail.subject).toBe("Acme Widgets: 2 new companies");
      expect(mail.from).toEqual({ name: "Northwind Insights", address: "notifications@mail.test" });
      expect(mail.text).toContain("Your daily digest for Acme Widgets");
      expect(mail.text).toContain(`NEW COMPANIES (2)\n- Lumen Analytics (${lumen.domain})`);
      expect(mail.text).toContain(
        `- Harborline Logistics (${harbor.domain}) (Software · 51-200 employees · US · 1 visit)`,
      );
      expect(mail.text).toContain("TOP PAGES\n- /pricing (2 views)");
      expect(mail.text).toMatch(/Credits left: 98 of 100 until \d{4}-\d{2}-\d{2}/);
      expect(mail.text).toContain(`Open the dashboard:\nhttps://api.test/app/o/${owner.organization.id}/companies`);
      expect(mail.html).toMatch(
        new RegExp(`href="https://api\\.test/app/o/${owner.organization.id}/companies/vis_[A-Za-z0-9_-]{11}"`),
      );
      expect(mail.html).toContain("background:#0f766e");
      expect(mail.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
      expect(unsubscribeUrlOf(mail)).toMatch(/^https:\/\/api\.test\/app\/unsubscribe\//);
      expect(mail.raw).not.toMatch(/sightline/i);

      // A later run of the same day claims nothing; the next day's digest starts where this one ended.
      await runCron(due + 15 * 60);
      expect(await claimsOf(owner.organization.id)).toHaveLength(2);
      await visit(owner, harbor, due + 2 * HOUR_S, "/pricing/teams");
      await visit(owner, orbit, due + 3 * HOUR_S, "/about");
      await runCron(due + DAY_S);
      const next = await mailTo(boss, { count: 2 });
      expect(next.subject).toBe("Acme Widgets: 1 new company, 1 returning");
      expect(next.text).toContain(`NEW COMPANIES (1)\n- Orbit Freight (${orbit.domain})`);
      expect(next.text).toContain(`RETURNING COMPANIES (1)\n- Harborline Logistics (${harbor.domain})`);
      expect(next.text).not.toContain("Lumen");
      const second = (await settledClaims(owner.organization.id, 4)).filter((c) => c.period_end === due + DAY_S);
      expect(second.map((c) => [c.period_start, c.status])).toEqual([
        [due, "sent"],
        [due, "sent"],
      ]);
    },
  );
});

describe("digests: what is sent and when", () => {
  it(
    "an empty period sends nothing; a weekly digest goes only on its weekday, covering the week",
    { timeout: 60_000 },
    async () => {
      const [daily, weekly] = [newRecipient(), newRecipient()];
      const hourUtc = (new Date().getUTCHours() + 8) % 24;
      const firstDaily = nextAt(hourUtc);
      const weekday = ((new Date((firstDaily + 2 * DAY_S) * 1000).getUTCDay() + 6) % 7) + 1;
      const owner = await organizationWithDigests(
        [
          { email: daily, frequency: "daily" },
          { email: weekly, frequency: "weekly" },
        ],
        { hourUtc, weekday },
      );
      const due = owner.nextDaily;
      expect(due).toBe(firstDaily);
      expect(Date.parse(owner.settings.nextWeekly) / 1000).toBe(due + 2 * DAY_S);
      const harbor = await company("Harborline Logistics");
      await visit(owner, harbor, due - HOUR_S, "/pricing");

      await runCron(due);
      expect((await mailTo(daily)).subject).toBe("Acme Widgets: 1 new company");
      await runCron(due + DAY_S);
      await runCron(due + 2 * DAY_S);
      const weeklyMail = await mailTo(weekly);
      expect(weeklyMail.subject).toBe("Acme Widgets this week: 1 new company");
      expect(weeklyMail.text).toContain("Your weekly digest for Acme Widgets");
      const claims = await settledClaims(owner.organization.id, 4);
      expect(claims.map((c) => [c.email, c.frequency, c.period_end - due, c.status, c.reason])).toEqual([
        [daily, "daily", 0, "sent", null],
        [daily, "daily", DAY_S, "skipped", "nothing new in the period"],
        [daily, "daily", 2 * DAY_S, "skipped", "nothing new in the period"],
        [weekly, "weekly", 2 * DAY_S, "sent", null],
      ]);
      expect(claims[3]!.period_start).toBe(due + 2 * DAY_S - 7 * DAY_S);
      expect(await mailsTo(daily)).toHaveLength(1);
      expect(await mailsTo(weekly)).toHaveLength(1);
    },
  );

  it("one-click unsubscribe stops the next digest; the settings show it", { timeout: 60_000 }, async () => {
    const [leaves, stays] = [newRecipient(), newRecipient()];
    const owner = await organizationWithDigests([
      { email: leaves, frequency: "daily" },
      { email: stays, frequency: "daily" },
    ]);
    const due = owner.nextDaily;
    const harbor = await company("Harborline Logistics");
    await visit(owner, harbor, due - HOUR_S);
    await runCron(due);
    const response = await oneClickUnsubscribe(unsubscribeUrlOf(await mailTo(leaves)));
    expect(response.status).toBe(200);

    await visit(owner, harbor, due + 2 * HOUR_S);
    await runCron(due + DAY_S);
    expect((await mailTo(stays, { count: 2 })).subject).toBe("Acme Widgets: 1 returning company");
    const claims = await settledClaims(owner.organization.id, 4);
    expect(claims.find((c) => c.email === leaves && c.period_end === due + DAY_S)).toMatchObject({
      status: "skipped",
      reason: "the recipient unsubscribed",
    });
    expect(await mailsTo(leaves)).toHaveLength(1);
    const settings = await owner.api("GET", `/organizations/${owner.organization.id}/digests`);
    expect(settings.body.digests.recipients).toEqual([
      expect.objectContaining({
        email: leaves,
        unsubscribed: true,
        lastDigest: expect.objectContaining({ status: "skipped" }),
      }),
      expect.objectContaining({
        email: stays,
        unsubscribed: false,
        lastDigest: expect.objectContaining({ status: "sent" }),
      }),
    ]);
  });

  it("a recipient's segment keeps the digest to its visitors and their pages", { timeout: 60_000 }, async () => {
    const [everyone, pricing] = [newRecipient(), newRecipient()];
    const owner = await organizationWithDigests([{ email: everyone, frequency: "daily" }]);
    const segmentId = await saveSegment(owner, { pages: ["/pricing*"] });
    const put = await owner.api("PUT", `/organizations/${owner.organization.id}/digests`, {
      recipients: [
        { email: everyone, frequency: "daily" },
        { email: pricing, frequency: "daily", segmentId },
      ],
    });
    expect(put.status, put.text).toBe(200);
    const due = owner.nextDaily;
    const [harbor, lumen] = [await company("Harborline Logistics"), await company("Lumen Analytics")];
    await visit(owner, harbor, due - 3 * HOUR_S, "/pricing");
    await visit(owner, lumen, due - 2 * HOUR_S, "/careers");
    await runCron(due);

    const all = await mailTo(everyone);
    expect(all.subject).toBe("Acme Widgets: 2 new companies");
    expect(all.text).toContain("- /careers (1 view)");
    const segmented = await mailTo(pricing);
    expect(segmented.subject).toBe("Acme Widgets: 1 new company");
    expect(segmented.text).toContain("Harborline Logistics");
    expect(segmented.text).not.toContain("Lumen");
    expect(segmented.text).not.toContain("/careers");
    expect(segmented.text).toMatch(/Only visitors in the saved view “Segment [0-9a-f]{8}”/);
  });
});

/** The next time the hour comes (unix seconds), as the settings compute it. */
function nextAt(hourUtc: number) {
  const now = Math.floor(Date.now() / 1000);
  const today = Math.floor(now / DAY_S) * DAY_S + hourUtc * HOUR_S;
  return today > now ? today : today + DAY_S;
}
