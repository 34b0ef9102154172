import { env, exports } from "cloudflare:workers";
import { vi } from "vitest";

/**
 * What the SMTP sinks of the test run received (test/fixtures/mail-sinks.ts), parsed: the tests
 * send real mail over SMTP and read it back here. Every test mails its own fresh addresses, so
 * tests never see each other's mail.
 */
export interface ReceivedMessage {
  envelope: { from: string; to: string[] };
  /** The message as it arrived, headers and MIME parts. */
  raw: string;
  /** Who authenticated (AUTH), or null. */
  user: string | null;
  /** True when it came over TLS. */
  secure: boolean;
  from: { name: string; address: string } | null;
  to: { name: string; address: string } | null;
  replyTo: { name: string; address: string } | null;
  subject: string;
  messageId: string | null;
  date: string | null;
  text: string;
  html: string;
  /** Header values by lower-case name, unfolded, as sent (encoded words not decoded). */
  headers: Record<string, string>;
}

export interface MailSinks {
  /** AUTH optional, refuses recipients at `refusedDomain` with 550: the platform's relay in the tests. */
  open: number;
  /** Requires AUTH with `credentials`. */
  auth: number;
  /** Offers STARTTLS (test certificate, CN localhost); requires AUTH. */
  starttls: number;
  /** Implicit TLS (the same certificate); requires AUTH. */
  tls: number;
  credentials: { username: string; password: string };
  refusedDomain: string;
}

export const sinks: MailSinks = JSON.parse(env.TEST_MAIL_SINKS);

let count = 0;
/** A recipient nobody else mails. */
export const newRecipient = (domain = "client.example") =>
  `person-${Date.now().toString(36)}-${(count++).toString(36)}${crypto.randomUUID().slice(0, 6)}@${domain}`;

/** Every message delivered to the address so far, oldest first. */
export async function mailsTo(address: string): Promise<ReceivedMessage[]> {
  const response = await env.MAILBOX.fetch(`http://mailbox/messages?to=${encodeURIComponent(address)}`);
  if (!response.ok) throw new Error(`mailbox: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Waits until the address has received `count` messages (default 1) and returns the last one. */
export async function mailTo(address: string, options: { count?: number; timeout?: number } = {}) {
  const count = options.count ?? 1;
  return vi.waitFor(
    async () => {
      const messages = await mailsTo(address);
      if (messages.length < count) throw new Error(`${messages.length}/${count} messages to ${address}`);
      return messages[count - 1]!;
    },
    { timeout: options.timeout ?? 10_000, interval: 50 },
  );
}

/** The one-click unsubscribe URL of a mail (its `List-Unsubscribe` header). */
export const unsubscribeUrlOf = (mail: ReceivedMessage) =>
  /^<(https:\/\/[^>]+)>$/.exec(mail.headers["list-unsubscribe"]!)![1]!;

/** What a mail client sends for one-click unsubscribe (RFC 8058): a form POST without cookies or Origin. */
export const oneClickUnsubscribe = (url: string) =>
  exports.default.fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "List-Unsubscribe=One-Click",
  });
