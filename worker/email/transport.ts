import type { MailStatus } from "../../shared/email";
import { AddressError, checkedAddress, domainOf, type MailMessage } from "./message";
import { newMessageId, writeMime } from "./mime";
import type { SmtpServer } from "../outbound/targets";
import { SmtpError, sendSmtp, type Connect } from "./smtp";

/**
 * The two ways mail leaves: an SMTP server (the partner's own, or the platform's relay), or
 * Cloudflare Email Service's `send_email` binding (the platform's own sender).
 */
export type Transport =
  { kind: "smtp"; server: SmtpServer; connect?: Connect } | { kind: "binding"; binding: SendEmail };

/** Why a mail did not go out: the step (an SMTP step, `send` for the binding, `setup` before sending) and the server's words. */
export interface MailError {
  step: string;
  message: string;
  reply: string | null;
}

/** What became of one mail; the same shape whatever the status, for the API and for logs. */
export interface MailOutcome {
  status: MailStatus;
  /** The Message-ID the mail went out with (for the binding: the one Email Service gave it). */
  messageId: string | null;
  error: MailError | null;
}

export const delivered = (messageId: string): MailOutcome => ({ status: "delivered", messageId, error: null });
export const failed = (step: string, message: string, reply: string | null = null): MailOutcome => ({
  status: "failed",
  messageId: null,
  error: { step, message, reply },
});

/**
 * A failure no retry soon would change: the server refused the message or a recipient for good (a
 * 5xx reply), or a setting is missing. Connection failures and 4xx replies are worth another try.
 */
export const isPermanentFailure = (outcome: MailOutcome) =>
  outcome.status === "failed" && (outcome.error?.step === "setup" || /^5/.test(outcome.error?.reply ?? ""));

/**
 * Headers Cloudflare Email Service lets a sender set (its allowlist; `X-…` are allowed too). The
 * mailer only ever adds these, so the SMTP and the binding transport send the same mail.
 */
const BINDING_HEADERS = new Set(["list-unsubscribe", "list-unsubscribe-post", "auto-submitted", "precedence"]);

export interface DeliveryOptions {
  timeoutMs: number;
}

/** Sends one message; never throws for what a server or the binding answered, only reports it. */
export async function deliver(
  transport: Transport,
  message: MailMessage,
  options: DeliveryOptions,
): Promise<MailOutcome> {
  if (transport.kind === "binding") return sendWithBinding(transport.binding, message);
  try {
    const messageId = newMessageId(message.from.address);
    await sendSmtp(
      transport.server,
      { from: checkedAddress(message.from.address), to: checkedAddress(message.to.address) },
      writeMime(message, { messageId }),
      { heloName: domainOf(message.from.address), timeoutMs: options.timeoutMs, connect: transport.connect },
    );
    return delivered(messageId);
  } catch (error) {
    if (error instanceof SmtpError) return failed(error.step, error.message, error.reply);
    if (error instanceof AddressError) return failed("setup", error.message);
    throw error;
  }
}

const asAddress = (mailbox: MailMessage["from"]) =>
  mailbox.name ? { name: mailbox.name, email: mailbox.address } : mailbox.address;

/** Email Service's Workers API (`env.EMAIL.send`); its errors carry a `code` such as `E_SENDER_NOT_VERIFIED`. */
async function sendWithBinding(binding: SendEmail, message: MailMessage): Promise<MailOutcome> {
  const headers = Object.fromEntries(
    Object.entries(message.headers ?? {}).filter(
      ([name]) => BINDING_HEADERS.has(name.toLowerCase()) || /^x-/i.test(name),
    ),
  );
  try {
    const result = await binding.send({
      from: asAddress(message.from),
      to: asAddress(message.to),
      ...(message.replyTo ? { replyTo: asAddress(message.replyTo) } : {}),
      subject: message.subject,
      text: message.text,
      html: message.html,
      headers,
    });
    return delivered(result.messageId);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const text = error instanceof Error ? error.message : String(error);
    return failed("send", `Email Service refused the message: ${typeof code === "string" ? `${code}: ` : ""}${text}`);
  }
}
