import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { SmtpSecurity } from "../../shared/email";
import type { MailMessage } from "../../worker/email/message";
import type { Connect } from "../../worker/email/smtp";
import type { SmtpServer } from "../../worker/outbound/targets";
import { deliver } from "../../worker/email/transport";
import { mailTo, mailsTo, newRecipient, sinks } from "./support/mailbox";

/**
 * The SMTP transport against real SMTP servers (smtp-server on loopback, test/fixtures/mail-sinks.ts):
 * what arrives, AUTH, refusals, STARTTLS and implicit TLS, timeouts. The TLS tests connect through
 * a workerd network that trusts the test certificate (TEST_TLS_NETWORK): the same socket code and
 * TLS as in production, only the trusted certificate differs.
 */

const server = (port: number, security: SmtpSecurity = "none", account = sinks.credentials): SmtpServer => ({
  host: "127.0.0.1",
  port,
  security,
  username: account.username,
  password: account.password,
});

const viaNetwork =
  (network: Fetcher): Connect =>
  (address, options) =>
    network.connect(address, options);

const message = (to: string, overrides: Partial<MailMessage> = {}): MailMessage => ({
  from: { name: "Northwind Insights", address: "alerts@northwind.example" },
  to: { address: to },
  subject: "A visitor from Harborline Logistics",
  text: "Harborline Logistics viewed /pricing.",
  html: "<p>Harborline Logistics viewed <b>/pricing</b>.</p>",
  ...overrides,
});

const send = (smtp: SmtpServer, mail: MailMessage, connect?: Connect, timeoutMs = 5_000) =>
  deliver({ kind: "smtp", server: smtp, connect }, mail, { timeoutMs });

describe("SMTP delivery", () => {
  it("delivers a multipart message whose headers and both parts arrive as written", async () => {
    const to = newRecipient();
    const outcome = await send(
      server(sinks.open),
      message(to, {
        from: { name: 'Zoë\'s Agentur, "Süd"', address: "alerts@northwind.example" },
        replyTo: { name: "Support", address: "help@northwind.example" },
        subject: "Größere Firma auf /pricing — 3 Seiten angesehen, ein sehr langer Betreff der gefaltet werden muss",
        text: "Erste Zeile\n.a line that starts with a dot\n..two dots\n" + "x".repeat(3000) + "\nEnde äöü",
        html: "<p>Grüße</p>",
        headers: { "List-Unsubscribe": "<https://example.test/u/abc>", "X-Entity": "42" },
      }),
    );
    expect(outcome).toMatchObject({ status: "delivered", error: null });
    const mail = await mailTo(to);
    expect(mail.envelope).toEqual({ from: "alerts@northwind.example", to: [to] });
    expect(mail.from).toEqual({ name: 'Zoë\'s Agentur, "Süd"', address: "alerts@northwind.example" });
    expect(mail.replyTo).toEqual({ name: "Support", address: "help@northwind.example" });
    expect(mail.subject).toBe(
      "Größere Firma auf /pricing — 3 Seiten angesehen, ein sehr langer Betreff der gefaltet werden muss",
    );
    expect(mail.text).toBe(
      "Erste Zeile\n.a line that starts with a dot\n..two dots\n" + "x".repeat(3000) + "\nEnde äöü",
    );
    expect(mail.html).toBe("<p>Grüße</p>");
    expect(mail.messageId).toBe(outcome.messageId);
    expect(mail.messageId).toMatch(/^<[0-9a-f]{32}\.[0-9a-z]+@northwind\.example>$/);
    expect(mail.headers["list-unsubscribe"]).toBe("<https://example.test/u/abc>");
    expect(mail.headers["x-entity"]).toBe("42");
    expect(mail.headers["content-type"]).toMatch(/^multipart\/alternative; boundary=/);
    // RFC 5322: no line above 998 characters; ours stay within 78 where they can be folded.
    for (const line of mail.raw.split("\r\n")) expect(line.length).toBeLessThanOrEqual(998);
    expect(mail.raw).not.toMatch(/[^\r]\n/);
    expect(mail.raw).toMatch(/^[\x00-\x7f]*$/);
  });

  it("authenticates with AUTH PLAIN or LOGIN, and reports refused credentials at the auth step", async () => {
    const to = newRecipient();
    expect(await send(server(sinks.auth), message(to))).toMatchObject({ status: "delivered" });
    expect((await mailTo(to)).user).toBe(sinks.credentials.username);

    const refused = await send(server(sinks.auth, "none", { username: "mailer", password: "wrong" }), message(to));
    expect(refused).toMatchObject({
      status: "failed",
      messageId: null,
      error: { step: "auth", reply: expect.stringMatching(/^535/) },
    });
    expect(refused.error!.message).toMatch(/^Authentication failed: 535/);
    expect(refused.error!.message).not.toContain("wrong");
    expect(await mailsTo(to)).toHaveLength(1);
  });

  it("reports a server that refuses the recipient with the step and the server's reply", async () => {
    const to = newRecipient(sinks.refusedDomain);
    const outcome = await send(server(sinks.open), message(to));
    expect(outcome).toEqual({
      status: "failed",
      messageId: null,
      error: {
        step: "rcpt_to",
        message: expect.stringMatching(/^The SMTP server refused the recipient \(RCPT TO\): 550 /),
        reply: expect.stringContaining(`<${to}>: Recipient address rejected`),
      },
    });
    expect(await mailsTo(to)).toEqual([]);
  });

  it("sends nothing when STARTTLS is required and the server does not offer it", async () => {
    const to = newRecipient();
    const outcome = await send(server(sinks.open, "starttls"), message(to));
    expect(outcome.error).toMatchObject({
      step: "starttls",
      message: "STARTTLS failed: the server does not offer STARTTLS",
    });
    expect(await mailsTo(to)).toEqual([]);
  });

  it("upgrades with STARTTLS, checks the certificate, then authenticates over TLS", async () => {
    const to = newRecipient();
    const smtp = { ...server(sinks.starttls, "starttls"), host: "localhost" };
    expect(await send(smtp, message(to), viaNetwork(env.TEST_TLS_NETWORK))).toMatchObject({ status: "delivered" });
    const mail = await mailTo(to);
    expect(mail).toMatchObject({ secure: true, user: sinks.credentials.username });
  });

  it("speaks implicit TLS from the first byte", async () => {
    const to = newRecipient();
    const smtp = { ...server(sinks.tls, "tls"), host: "localhost" };
    expect(await send(smtp, message(to), viaNetwork(env.TEST_TLS_NETWORK))).toMatchObject({ status: "delivered" });
    expect(await mailTo(to)).toMatchObject({ secure: true, user: sinks.credentials.username });
  });

  it("refuses a certificate the client does not trust, for implicit TLS and for STARTTLS", async () => {
    const to = newRecipient();
    const untrusting = viaNetwork(env.TEST_PUBLIC_CA_NETWORK);
    const implicit = await send({ ...server(sinks.tls, "tls"), host: "localhost" }, message(to), untrusting);
    expect(implicit).toMatchObject({
      status: "failed",
      error: { step: expect.stringMatching(/^(connect|greeting)$/) },
    });
    const upgraded = await send({ ...server(sinks.starttls, "starttls"), host: "localhost" }, message(to), untrusting);
    expect(upgraded).toMatchObject({ status: "failed", error: { step: "ehlo" } });
    expect(upgraded.error!.message).toMatch(/connection (failed|closed)|closed the connection/);
    expect(await mailsTo(to)).toEqual([]);
  });

  it("gives up on a server that does not answer, naming the step", async () => {
    // The implicit-TLS sink waits for a TLS handshake: spoken to in plain text, it never greets.
    const outcome = await send(server(sinks.tls, "none"), message(newRecipient()), undefined, 300);
    expect(outcome.error).toMatchObject({
      step: "greeting",
      message: "The SMTP server did not greet: no answer within 0.3 s",
    });
  });

  it("reports a port nobody listens on at the connect step", async () => {
    const outcome = await send(server(1), message(newRecipient()), viaNetwork(env.TEST_TLS_NETWORK));
    expect(outcome).toMatchObject({ status: "failed", error: { step: "connect" } });
    expect(outcome.error!.message).toMatch(/^Could not connect to the SMTP server: 127\.0\.0\.1:1 /);
  });
});
