import { describe, expect, it } from "vitest";
import { expectEnvelope, fetchWith } from "./support/api";
import { newPartner, tenantOf } from "./support/partners";
import { mailTo, mailsTo, newRecipient, sinks } from "./support/mailbox";

/**
 * A partner's e-mail as its clients receive it: from the platform's sender under the partner's
 * name, or from the partner's own SMTP server; branded, without the platform's name, and with a
 * one-click unsubscribe. Every mail is read back from a real SMTP server.
 */

const BRANDING = {
  companyName: "Northwind Insights",
  primaryColor: "#5b21b6",
  secondaryColor: "#0e7490",
  logoUrl: "https://cdn.northwind.example/logo.png",
};

async function brandedPartner() {
  const p = await newPartner({ name: "Northwind", supportEmail: "support@northwind.example" });
  expect((await p.api("PUT", "/branding", BRANDING)).status).toBe(200);
  return p;
}

const ownSender = (overrides: Record<string, unknown> = {}) => ({
  fromName: "Northwind Insights",
  fromAddress: "insights@northwind.example",
  replyTo: "hello@northwind.example",
  smtp: {
    host: "127.0.0.1",
    port: sinks.auth,
    security: "none",
    username: sinks.credentials.username,
    password: sinks.credentials.password,
  },
  ...overrides,
});

/** The platform's own name must appear nowhere in what a client receives. */
const PLATFORM_NAME = /sightline/i;

describe("a partner without a sender of its own", () => {
  it("mails from the platform's sender under its brand name, replies going to its support address", async () => {
    const { api } = await brandedPartner();
    const to = newRecipient();
    const res = await api("POST", "/email-sender/test", { to });
    expect(res.status, res.text).toBe(200);
    expect(res.body.delivery).toMatchObject({ to, status: "delivered", error: null });

    const mail = await mailTo(to);
    expect(mail.envelope.from).toBe("notifications@mail.test");
    expect(mail.from).toEqual({ name: "Northwind Insights", address: "notifications@mail.test" });
    expect(mail.replyTo).toEqual({ name: "Northwind Insights", address: "support@northwind.example" });
    expect(mail.subject).toBe("Test e-mail from Northwind Insights");
    expect(mail.messageId).toBe(res.body.delivery.messageId);
    expect(mail.messageId).toMatch(/@mail\.test>$/);
    expect(mail.headers["auto-submitted"]).toBe("auto-generated");
    expect(mail.headers["x-mailer"]).toBeUndefined();

    // Both parts carry the brand: name, colour, logo (with its name as alt text), support address.
    expect(mail.text).toContain("Northwind Insights");
    expect(mail.text).toContain("Questions? support@northwind.example");
    expect(mail.html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(mail.html).toContain('<img src="https://cdn.northwind.example/logo.png" alt="Northwind Insights"');
    expect(mail.html).toContain("background:#5b21b6");
    expect(mail.html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(mail.raw).not.toMatch(PLATFORM_NAME);
  });

  it("reports a missing mail setting as a failed delivery at the setup step, not an error", async () => {
    const { api, key } = await brandedPartner();
    const res = await fetchWith({ MAIL_SMTP_URL: "" }, "/api/v1/partner/email-sender/test", {
      method: "POST",
      headers: { "x-partner-api-key": key, "content-type": "application/json" },
      body: JSON.stringify({ to: newRecipient() }),
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.delivery).toMatchObject({
      status: "failed",
      error: { step: "setup", message: "this server sends no mail: set MAIL_SMTP_URL or bind EMAIL" },
    });
    expect((await api("GET", "/email-sender")).body).toEqual({ emailSender: null });
  });
});

describe("a partner's own sender", () => {
  it("sends as the partner through its SMTP server, authenticated, and never answers the password", async () => {
    const { api } = await brandedPartner();
    const set = await api("PUT", "/email-sender", ownSender());
    expect(set.status, set.text).toBe(200);
    expect(set.body.emailSender).toMatchObject({
      fromName: "Northwind Insights",
      fromAddress: "insights@northwind.example",
      replyTo: "hello@northwind.example",
      smtp: { host: "127.0.0.1", port: sinks.auth, security: "none", username: "mailer", hasPassword: true },
    });
    expect(set.text).not.toContain(sinks.credentials.password);
    const got = await api("GET", "/email-sender");
    expect(got.body).toEqual(set.body);
    expect(got.text).not.toContain(sinks.credentials.password);

    const to = newRecipient();
    expect((await api("POST", "/email-sender/test", { to })).body.delivery.status).toBe("delivered");
    const mail = await mailTo(to);
    expect(mail.user).toBe("mailer");
    expect(mail.envelope.from).toBe("insights@northwind.example");
    expect(mail.from).toEqual({ name: "Northwind Insights", address: "insights@northwind.example" });
    expect(mail.replyTo).toEqual({ name: "", address: "hello@northwind.example" });
    expect(mail.messageId).toMatch(/@northwind\.example>$/);
    expect(mail.raw).not.toMatch(PLATFORM_NAME);
  });

  it("answers what the server said when it refuses: the step and its reply, with a 200", async () => {
    const { api } = await brandedPartner();
    // This server refuses recipients at the refused domain with 550.
    await api("PUT", "/email-sender", ownSender({ smtp: { ...ownSender().smtp, port: sinks.open } }));
    const to = newRecipient(sinks.refusedDomain);
    const res = await api("POST", "/email-sender/test", { to });
    expect(res.status).toBe(200);
    expect(res.body.delivery).toEqual({
      to,
      status: "failed",
      messageId: null,
      error: {
        step: "rcpt_to",
        message: expect.stringMatching(/^The SMTP server refused the recipient \(RCPT TO\): 550 /),
        reply: expect.stringMatching(/^550 /),
      },
    });

    await api("PUT", "/email-sender", ownSender({ smtp: { ...ownSender().smtp, password: "wrong" } }));
    const wrong = await api("POST", "/email-sender/test", { to: newRecipient() });
    expect(wrong.body.delivery).toMatchObject({ status: "failed", error: { step: "auth" } });
  });

  it("keeps the stored password only for the same server and username", async () => {
    const { api } = await brandedPartner();
    await api("PUT", "/email-sender", ownSender());
    const { password: _, ...withoutPassword } = ownSender().smtp;
    const renamed = await api("PUT", "/email-sender", ownSender({ fromName: "Northwind", smtp: withoutPassword }));
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.emailSender).toMatchObject({ fromName: "Northwind", smtp: { hasPassword: true } });
    const to = newRecipient();
    expect((await api("POST", "/email-sender/test", { to })).body.delivery.status).toBe("delivered");

    const moved = await api("PUT", "/email-sender", ownSender({ smtp: { ...withoutPassword, host: "localhost" } }));
    expectEnvelope(moved, 400, "BadRequest");
    expect(moved.body.details).toEqual([
      { field: "smtp.password", message: "required when the host, port or username change" },
    ]);
  });

  it("refuses local hosts, port 25 and plain connections outside local development, naming the field", async () => {
    const { key } = await newPartner();
    const put = (body: unknown) =>
      fetchWith({ ALLOW_LOCAL_SMTP: "", MAIL_SMTP_URL: "" }, "/api/v1/partner/email-sender", {
        method: "PUT",
        headers: { "x-partner-api-key": key, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const smtp = { host: "smtp.northwind.example", port: 587, security: "starttls", username: "u", password: "p" };
    const cases: [Record<string, unknown>, string][] = [
      [{ host: "127.0.0.1" }, "smtp.host"],
      [{ host: "10.1.2.3" }, "smtp.host"],
      [{ host: "mail.internal" }, "smtp.host"],
      // A public-looking name that resolves (DOH_URL, the receiver's stand-in) to a private address.
      [{ host: "10-0-0-1.ip.test" }, "smtp.host"],
      [{ port: 25 }, "smtp.port"],
      [{ security: "none" }, "smtp.security"],
    ];
    for (const [change, field] of cases) {
      const res = await put(ownSender({ smtp: { ...smtp, ...change } }));
      expectEnvelope(res, 400, "BadRequest");
      expect(res.body.details[0].field, JSON.stringify(change)).toBe(field);
    }
    expect((await put(ownSender({ smtp }))).status).toBe(200);
  });

  it("validates the fields, rejecting unknown ones", async () => {
    const { api } = await newPartner();
    const cases: [unknown, string][] = [
      [ownSender({ fromAddress: "not-an-address" }), "fromAddress"],
      [ownSender({ fromName: "Line\nbreak" }), "fromName"],
      [ownSender({ smtp: { ...ownSender().smtp, host: "smtp://x.example" } }), "smtp.host"],
      [ownSender({ smtp: { ...ownSender().smtp, port: 70000 } }), "smtp.port"],
      [ownSender({ smtp: { ...ownSender().smtp, security: "ssl" } }), "smtp.security"],
      [ownSender({ smtp: { ...ownSender().smtp, username: null } }), "smtp.username"],
      [{ ...ownSender(), extra: 1 }, "json"],
    ];
    for (const [body, field] of cases) {
      const res = await api("PUT", "/email-sender", body);
      expectEnvelope(res, 400, "BadRequest");
      expect(
        res.body.details.map((d: { field: string }) => d.field),
        JSON.stringify(body),
      ).toContain(field);
    }
  });

  it("is removed with DELETE, and every change and test is in the audit log", async () => {
    const { api } = await brandedPartner();
    await api("PUT", "/email-sender", ownSender());
    await api("POST", "/email-sender/test", { to: newRecipient() });
    expect((await api("DELETE", "/email-sender")).status).toBe(204);
    expect((await api("DELETE", "/email-sender")).status).toBe(204);
    expect((await api("GET", "/email-sender")).body).toEqual({ emailSender: null });
    const log = await api("GET", "/audit-log");
    expect(log.body.entries.map((e: { action: string }) => e.action)).toEqual([
      "email_sender.removed",
      "email_sender.tested",
      "email_sender.updated",
    ]);
    expect(log.body.entries[1].details).toEqual({ to: expect.any(String), status: "delivered" });
    expect(log.body.entries[2].details).toEqual({
      fromAddress: "insights@northwind.example",
      host: "127.0.0.1",
      port: sinks.auth,
      security: "none",
      passwordChanged: true,
    });
    expect(log.text).not.toContain(sinks.credentials.password);
  });

  it("sends at most 20 test e-mails an hour", async () => {
    const { api, partner } = await newPartner();
    const { DB } = await tenantOf(partner.id);
    const now = new Date().toISOString().slice(0, 19) + "Z";
    await DB.batch(
      Array.from({ length: 20 }, (_, i) =>
        DB.prepare(
          `INSERT INTO audit_log (id, partner_id, organization_id, action, actor_type, actor_id, details, created_at)
           VALUES (?, ?, NULL, 'email_sender.tested', 'api_key', 'key', '{}', ?)`,
        ).bind(`aud_seed${i}`, partner.id, now),
      ),
    );
    const to = newRecipient();
    const res = await api("POST", "/email-sender/test", { to });
    expectEnvelope(res, 429, "RateLimited");
    expect(res.body.details).toEqual({ limit: 20, retryAfter: 3600 });
    expect(await mailsTo(to)).toEqual([]);
  });
});
