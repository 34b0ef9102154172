import { randomHex } from "../lib/ids";
import { checkedAddress, domainOf, type MailMessage, type Mailbox } from "./message";

/**
 * The MIME writer (RFC 5322, 2045–2047): a multipart/alternative message with a text and an HTML
 * part, both UTF-8 in quoted-printable, headers in ASCII (non-ASCII words RFC 2047-encoded), every
 * line CRLF-terminated and at most 78 characters where it can be folded, never above 998.
 */
const CRLF = "\r\n";
const MAX_LINE = 998;
const encoder = new TextEncoder();

/** A Message-ID on the sender's own domain, so nothing in the headers names the platform. */
export const newMessageId = (fromAddress: string) =>
  `<${randomHex(16)}.${Date.now().toString(36)}@${domainOf(fromAddress)}>`;

/** RFC 5322 date in UTC: `Tue, 15 Nov 1994 08:12:31 +0000`. */
export const mailDate = (date: Date) => date.toUTCString().replace(/GMT$/, "+0000");

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * RFC 2047 encoded-words (`=?utf-8?B?…?=`) for text with non-ASCII characters, each at most 75
 * characters (45 bytes of UTF-8 before base64), split between characters, never inside one.
 */
export function encodedWords(text: string): string[] {
  const words: string[] = [];
  let chunk: number[] = [];
  const flush = () => {
    if (chunk.length > 0) words.push(`=?utf-8?B?${btoa(String.fromCharCode(...chunk))}?=`);
    chunk = [];
  };
  for (const character of text) {
    const bytes = encoder.encode(character);
    if (chunk.length + bytes.length > 45) flush();
    chunk.push(...bytes);
  }
  flush();
  return words;
}

/** A header whose value is free text (Subject, display names): folded at spaces, or encoded when needed. */
function textHeader(name: string, value: string): string {
  const tokens = value.split(" ");
  if (PRINTABLE_ASCII.test(value) && tokens.every((token) => token.length <= 900)) {
    return fold(`${name}:`, tokens);
  }
  return fold(`${name}:`, encodedWords(value));
}

/** Joins `start` and the tokens with spaces, breaking to a new (indented) line before 78 characters. */
function fold(start: string, tokens: string[]): string {
  const lines = [start];
  for (const token of tokens) {
    const last = lines.length - 1;
    if (lines[last] !== start && lines[last]!.length + 1 + token.length > 78) {
      lines.push(` ${token}`);
    } else {
      lines[last] += ` ${token}`;
    }
  }
  return lines.join(CRLF);
}

/** `"Name" <address>` (quoted, or encoded when not ASCII), or the bare address. */
function mailboxHeader(name: string, mailbox: Mailbox): string {
  const address = `<${checkedAddress(mailbox.address)}>`;
  const display = mailbox.name?.replace(/[\r\n]+/g, " ").trim();
  if (!display) return `${name}: ${address}`;
  if (PRINTABLE_ASCII.test(display)) {
    return fold(`${name}:`, [`"${display.replace(/(["\\])/g, "\\$1")}"`, address]);
  }
  return fold(`${name}:`, [...encodedWords(display), address]);
}

/** A header the mailer writes as given (URLs, tokens): ASCII, one line, within the line limit. */
function plainHeader(name: string, value: string): string {
  if (!/^[A-Za-z0-9-]+$/.test(name) || !PRINTABLE_ASCII.test(value)) {
    throw new Error(`Header ${name} must be printable ASCII on one line`);
  }
  const line = `${name}: ${value}`;
  if (line.length > MAX_LINE) throw new Error(`Header ${name} is longer than ${MAX_LINE} characters`);
  return line;
}

/**
 * Quoted-printable (RFC 2045 §6.7) of UTF-8 text: line breaks become CRLF, lines are cut with soft
 * breaks at 76 characters, `=`, control bytes, non-ASCII and trailing white space are encoded.
 */
export function quotedPrintable(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => {
      const bytes = encoder.encode(line);
      let out = "";
      let current = "";
      bytes.forEach((byte, i) => {
        const last = i === bytes.length - 1;
        const literal = (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !last);
        const token = literal ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`;
        if (current.length + token.length > 75) {
          out += `${current}=${CRLF}`;
          current = "";
        }
        current += token;
      });
      return out + current;
    })
    .join(CRLF);
}

export interface MimeOptions {
  messageId: string;
  date?: Date;
}

/** The whole message as sent in SMTP's DATA (before dot-stuffing), CRLF line ends. */
export function writeMime(message: MailMessage, options: MimeOptions): string {
  // "=_" never occurs in quoted-printable output ("=" is always followed by hex digits or a line break).
  const boundary = `=_${randomHex(12)}`;
  const headers = [
    plainHeader("Date", mailDate(options.date ?? new Date())),
    mailboxHeader("From", message.from),
    ...(message.replyTo ? [mailboxHeader("Reply-To", message.replyTo)] : []),
    mailboxHeader("To", message.to),
    textHeader("Subject", message.subject.replace(/[\r\n]+/g, " ")),
    plainHeader("Message-ID", options.messageId),
    "MIME-Version: 1.0",
    ...Object.entries(message.headers ?? {}).map(([name, value]) => plainHeader(name, value)),
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
  ];
  const part = (type: string, body: string) =>
    [
      `--${boundary}`,
      `Content-Type: ${type}; charset=utf-8`,
      "Content-Transfer-Encoding: quoted-printable",
      "",
      quotedPrintable(body),
    ].join(CRLF);
  return [
    ...headers,
    "",
    part("text/plain", message.text),
    part("text/html", message.html),
    `--${boundary}--`,
    "",
  ].join(CRLF);
}
