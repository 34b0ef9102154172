/** One e-mail as the mailer builds it, before a transport writes it out. */

/** A person or sender: an address and, optionally, the name shown beside it. */
export interface Mailbox {
  name?: string | null;
  address: string;
}

export interface MailMessage {
  from: Mailbox;
  replyTo?: Mailbox | null;
  to: Mailbox;
  subject: string;
  /** The plain-text part; every mail also has `html`. */
  text: string;
  html: string;
  /**
   * Further headers, such as `List-Unsubscribe`. Only names Cloudflare Email Service accepts
   * (its allowlist, or `X-…`), so that both transports send the same mail.
   */
  headers?: Record<string, string>;
}

/**
 * An address the mailer may write into a header or an SMTP command: ASCII, one `@`, a domain of
 * dotted labels. Anything with spaces, line breaks or angle brackets would let a value inject headers
 * or commands, so it is refused before anything is written.
 */
const ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export const isMailAddress = (address: string) => ADDRESS.test(address);

/** An address the mailer cannot write (reported as the mail's outcome, not thrown at the caller). */
export class AddressError extends Error {}

export function checkedAddress(address: string): string {
  if (!isMailAddress(address)) throw new AddressError(`Not a mail address: ${JSON.stringify(address)}`);
  return address;
}

/** The domain of an address (what EHLO and the Message-ID name). */
export const domainOf = (address: string) => checkedAddress(address).split("@")[1]!.toLowerCase();
