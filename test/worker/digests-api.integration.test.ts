import { describe, expect, it } from "vitest";
import { expectEnvelope } from "./support/api";
import { newOrganization } from "./support/partners";
import { saveSegment } from "./support/alerts";
import { company, HOUR_S, visit } from "./support/digests";
import { mailTo, newRecipient, unsubscribeUrlOf } from "./support/mailbox";

/** The digest settings, preview and test send through the partner API. */

const digestsPath = (owner: { organization: { id: string } }) => `/organizations/${owner.organization.id}/digests`;
const fieldsOf = (res: { body: { details: { field: string }[] } }) => res.body.details.map((d) => d.field);

describe("digest settings", () => {
  it("answer the defaults until set, then what was saved; each save is audited", async () => {
    const owner = await newOrganization({ name: "Acme Widgets" });
    const path = digestsPath(owner);
    const initial = await owner.api("GET", path);
    expect(initial.status).toBe(200);
    expect(initial.body.digests).toEqual({
      organizationId: owner.organization.id,
      recipients: [],
      hourUtc: 7,
      weekday: 1,
      nextDaily: null,
      nextWeekly: null,
      updatedAt: null,
    });

    const segmentId = await saveSegment(owner, { icpMatched: true });
    const boss = newRecipient();
    const saved = await owner.api("PUT", path, {
      recipients: [
        { email: boss.toUpperCase(), frequency: "weekly" },
        { email: boss, frequency: "daily", segmentId },
      ],
      hourUtc: 9,
      weekday: 5,
    });
    expect(saved.status, saved.text).toBe(200);
    const { digests } = saved.body;
    expect(digests.recipients).toEqual([
      { email: boss, frequency: "weekly", segmentId: null, unsubscribed: false, lastDigest: null },
      { email: boss, frequency: "daily", segmentId, unsubscribed: false, lastDigest: null },
    ]);
    expect(digests).toMatchObject({ hourUtc: 9, weekday: 5 });
    const nextDaily = new Date(digests.nextDaily);
    expect(nextDaily.getUTCHours()).toBe(9);
    expect(nextDaily.getTime() - Date.now()).toBeGreaterThan(0);
    expect(nextDaily.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    expect(new Date(digests.nextWeekly).getUTCDay()).toBe(5);
    expect((await owner.api("GET", path)).body.digests).toEqual(digests);

    // Only what is sent changes: a new hour keeps the recipients; no weekly recipient, no weekly digest.
    const moved = await owner.api("PUT", path, { hourUtc: 10 });
    expect(moved.body.digests.recipients).toEqual(digests.recipients);
    expect(new Date(moved.body.digests.nextDaily).getUTCHours()).toBe(10);
    const dailyOnly = await owner.api("PUT", path, { recipients: [{ email: boss, frequency: "daily" }] });
    expect(dailyOnly.body.digests).toMatchObject({ nextWeekly: null, hourUtc: 10, weekday: 5 });

    const log = await owner.api("GET", `/audit-log?organizationId=${owner.organization.id}&action=digests.updated`);
    expect(log.body.entries).toHaveLength(3);
    expect(log.body.entries[2].details).toEqual({ hourUtc: 9, weekday: 5, recipients: { daily: 1, weekly: 1 } });
  });

  it("refuse bad fields with a 400 naming each", async () => {
    const owner = await newOrganization();
    const other = await newOrganization();
    const path = digestsPath(owner);
    const foreign = await saveSegment(other, { icpMatched: true });
    const a = newRecipient();
    const twice = await owner.api("PUT", path, {
      recipients: [
        { email: a, frequency: "daily" },
        { email: a.toUpperCase(), frequency: "daily" },
        { email: newRecipient(), frequency: "weekly", segmentId: foreign },
        { email: newRecipient(), frequency: "daily", segmentId: "seg_nothere" },
      ],
    });
    expectEnvelope(twice, 400, "BadRequest");
    expect(twice.body.details).toEqual([
      { field: "recipients.1.email", message: "is listed twice for daily digests" },
      { field: "recipients.2.segmentId", message: "is not a segment of this organization" },
      { field: "recipients.3.segmentId", message: "is not a segment of this organization" },
    ]);
    for (const [body, field] of [
      [{ recipients: [{ email: "not an address", frequency: "daily" }] }, "recipients.0.email"],
      [{ recipients: [{ email: a, frequency: "hourly" }] }, "recipients.0.frequency"],
      [{ hourUtc: 24 }, "hourUtc"],
      [{ weekday: 0 }, "weekday"],
      [{ weekday: 8 }, "weekday"],
      [{ recipients: Array.from({ length: 26 }, () => ({ email: newRecipient(), frequency: "daily" })) }, "recipients"],
    ] as const) {
      const res = await owner.api("PUT", path, body);
      expectEnvelope(res, 400, "BadRequest");
      expect(fieldsOf(res), JSON.stringify(body)).toContain(field);
    }
    expectEnvelope(await owner.api("PUT", path, { recipients: [], cc: "x" }), 400, "BadRequest");
    expect((await owner.api("GET", path)).body.digests.updatedAt).toBeNull();
  });

  it("keep a segment a digest reads from being deleted (409 naming the recipient)", async () => {
    const owner = await newOrganization();
    const segmentId = await saveSegment(owner, { pages: ["/pricing*"] });
    const boss = newRecipient();
    await owner.api("PUT", digestsPath(owner), { recipients: [{ email: boss, frequency: "weekly", segmentId }] });
    const refused = await owner.api("DELETE", `/organizations/${owner.organization.id}/segments/${segmentId}`);
    expectEnvelope(refused, 409, "Conflict");
    expect(refused.body.details).toEqual({ alertRules: [], digestRecipients: [{ email: boss, frequency: "weekly" }] });
    await owner.api("PUT", digestsPath(owner), { recipients: [{ email: boss, frequency: "weekly" }] });
    expect((await owner.api("DELETE", `/organizations/${owner.organization.id}/segments/${segmentId}`)).status).toBe(
      204,
    );
  });
});

describe("digest previews and test sends", () => {
  it(
    "a preview renders a recipient's digest (their segment, since their last one) as HTML and text, sending nothing",
    { timeout: 30_000 },
    async () => {
      const owner = await newOrganization({ name: "Acme Widgets" });
      await owner.api("PUT", "/branding", { companyName: "Northwind Insights", primaryColor: "#0f766e" });
      const segmentId = await saveSegment(owner, { pages: ["/pricing*"] });
      const boss = newRecipient();
      await owner.api("PUT", digestsPath(owner), { recipients: [{ email: boss, frequency: "daily", segmentId }] });
      const now = Math.floor(Date.now() / 1000);
      const [harbor, lumen] = [await company("Harborline Logistics"), await company("Lumen Analytics")];
      await visit(owner, harbor, now - HOUR_S, "/pricing");
      await visit(owner, lumen, now - HOUR_S, "/careers");

      const res = await owner.api("POST", `${digestsPath(owner)}/preview`, { email: boss });
      expect(res.status, res.text).toBe(200);
      const preview = res.body;
      expect(preview.subject).toBe("Acme Widgets: 1 new company");
      expect(preview.empty).toBe(false);
      expect(Date.parse(preview.periodEnd) - Date.parse(preview.periodStart)).toBe(24 * 3600_000);
      expect(preview.html).toContain("<!doctype html>");
      expect(preview.html).toContain("Harborline Logistics");
      expect(preview.html).not.toContain("Lumen");
      expect(preview.html).toContain("background:#0f766e");
      expect(preview.html).toContain("Northwind Insights");
      expect(preview.html).toMatch(
        new RegExp(`href="https://api\\.test/app/o/${owner.organization.id}/companies/vis_[A-Za-z0-9_-]{11}"`),
      );
      expect(preview.html).not.toContain("Unsubscribe");
      expect(preview.text).toContain("NEW COMPANIES (1)");
      expect(preview.text).toContain("- /pricing (1 view)");

      const everyone = await owner.api("POST", `${digestsPath(owner)}/preview`, { frequency: "weekly" });
      expect(everyone.body.subject).toBe("Acme Widgets this week: 2 new companies");
      expect(Date.parse(everyone.body.periodEnd) - Date.parse(everyone.body.periodStart)).toBe(7 * 24 * 3600_000);

      const empty = await newOrganization({ name: "Quiet Co" });
      const quiet = await empty.api("POST", `${digestsPath(empty)}/preview`, {});
      expect(quiet.body).toMatchObject({ subject: "Quiet Co: no new companies", empty: true });

      const stranger = await owner.api("POST", `${digestsPath(owner)}/preview`, { email: newRecipient() });
      expectEnvelope(stranger, 400, "BadRequest");
      expect(fieldsOf(stranger)).toEqual(["email"]);
      const noWeekly = await owner.api("POST", `${digestsPath(owner)}/preview`, { email: boss, frequency: "weekly" });
      expect(fieldsOf(noWeekly)).toEqual(["frequency"]);
    },
  );

  it(
    "a test send mails the digest now, branded, with one-click unsubscribe, and answers what became of it",
    { timeout: 30_000 },
    async () => {
      const owner = await newOrganization({ name: "Acme Widgets" }, { supportEmail: "help@agency.example" });
      await owner.api("PUT", "/branding", { companyName: "Northwind Insights", primaryColor: "#0f766e" });
      const harbor = await company("Harborline Logistics");
      await visit(owner, harbor, Math.floor(Date.now() / 1000) - HOUR_S, "/pricing");
      const to = newRecipient();
      const res = await owner.api("POST", `${digestsPath(owner)}/test`, { to });
      expect(res.status, res.text).toBe(200);
      expect(res.body.delivery).toMatchObject({ to, status: "delivered", error: null });

      const mail = await mailTo(to);
      expect(mail.subject).toBe("Test: Acme Widgets: 1 new company");
      expect(mail.from).toEqual({ name: "Northwind Insights", address: "notifications@mail.test" });
      expect(mail.replyTo!.address).toBe("help@agency.example");
      expect(mail.text).toContain("Harborline Logistics");
      expect(mail.html).toContain("Harborline Logistics");
      expect(mail.html).toContain("background:#0f766e");
      expect(mail.headers["list-unsubscribe-post"]).toBe("List-Unsubscribe=One-Click");
      expect(mail.text).toContain(`Unsubscribe: ${unsubscribeUrlOf(mail)}`);
      expect(mail.raw).not.toMatch(/sightline/i);

      const refused = await owner.api("POST", `${digestsPath(owner)}/test`, {
        to: newRecipient("refused.test"),
        frequency: "weekly",
      });
      expect(refused.body.delivery).toMatchObject({ status: "failed", error: { step: "rcpt_to" } });
      const log = await owner.api("GET", `/audit-log?organizationId=${owner.organization.id}&action=digests.tested`);
      expect(log.body.entries.map((e: { details: { status: string } }) => e.details.status)).toEqual([
        "failed",
        "delivered",
      ]);
    },
  );
});
