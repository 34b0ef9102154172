import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { configOf } from "../../worker/config";
import type { Env } from "../../worker/env";
import { encodedWords, quotedPrintable, writeMime } from "../../worker/email/mime";
import { dotStuff } from "../../worker/email/smtp";
import { smtpTargetProblem } from "../../worker/outbound/targets";

/** The mail format's rules, checked on their own: RFC 2045–2047 encodings, dot-stuffing, and the mail settings. */

const decodeWord = (word: string) => {
  const [, , , data] = word.split("?");
  return new TextDecoder().decode(Uint8Array.from(atob(data!), (c) => c.charCodeAt(0)));
};

describe("the MIME writer", () => {
  it("encodes non-ASCII header text in encoded-words of at most 75 characters, never splitting a character", () => {
    const text = "Größere Firma 🚀 ".repeat(12);
    const words = encodedWords(text);
    expect(words.length).toBeGreaterThan(1);
    for (const word of words) {
      expect(word.length).toBeLessThanOrEqual(75);
      expect(word).toMatch(/^=\?utf-8\?B\?[A-Za-z0-9+/=]+\?=$/);
    }
    expect(words.map(decodeWord).join("")).toBe(text);
  });

  it("writes quoted-printable lines of at most 76 characters that decode to the text", () => {
    const text = `${"é".repeat(200)}\nline with trailing space \n=equals= and\ttab\t\n${"a".repeat(500)}`;
    const encoded = quotedPrintable(text);
    for (const line of encoded.split("\r\n")) expect(line.length).toBeLessThanOrEqual(76);
    expect(encoded).toMatch(/^[\t\x20-\x7e\r\n]*$/);
    const decoded = new TextDecoder().decode(
      Uint8Array.from(
        encoded
          .replace(/=\r\n/g, "")
          .replace(/\r\n/g, "\n")
          .replace(/=([0-9A-F]{2})|[\s\S]/g, (match, hex: string | undefined) =>
            hex ? String.fromCharCode(parseInt(hex, 16)) : match,
          ),
        (c) => c.charCodeAt(0),
      ),
    );
    expect(decoded).toBe(text);
  });

  it("refuses addresses and headers that would inject lines", () => {
    const message = {
      from: { address: "a@sender.example" },
      to: { address: "b@client.example" },
      subject: "Hi\r\nBcc: victim@example.com",
      text: "t",
      html: "h",
    };
    const mime = writeMime(message, { messageId: "<x@sender.example>" });
    expect(mime).toContain("Subject: Hi Bcc: victim@example.com\r\n");
    expect(mime).not.toMatch(/^Bcc:/m);
    expect(() =>
      writeMime({ ...message, to: { address: "b@client.example>\r\nBcc: <v@x.example" } }, { messageId: "<x@y.z>" }),
    ).toThrow(/Not a mail address/);
    expect(() =>
      writeMime({ ...message, headers: { "X-Evil": "a\r\nBcc: v@x.example" } }, { messageId: "<x@y.z>" }),
    ).toThrow(/printable ASCII on one line/);
  });

  it("doubles a leading dot on every line and ends the data with CRLF", () => {
    expect(dotStuff(".a\r\nb\r\n..c\r\n.")).toBe("..a\r\nb\r\n...c\r\n..\r\n");
  });
});

describe("mail settings", () => {
  const parse = (vars: Record<string, string>) => configOf({ ...env, ...vars } as Env).mail;

  it("reads the relay URL: implicit TLS for smtps, STARTTLS for smtp, percent-decoded credentials", () => {
    expect(parse({ MAIL_SMTP_URL: "smtps://user%40x:p%3Ass@smtp.example.com", ALLOW_LOCAL_SMTP: "" }).relay).toEqual({
      host: "smtp.example.com",
      port: 465,
      security: "tls",
      username: "user@x",
      password: "p:ss",
    });
    expect(parse({ MAIL_SMTP_URL: "smtp://smtp.example.com", ALLOW_LOCAL_SMTP: "" }).relay).toMatchObject({
      port: 587,
      security: "starttls",
      username: null,
    });
  });

  it("fails the configuration, naming MAIL_SMTP_URL, for a relay production cannot use", () => {
    for (const url of [
      "smtp://127.0.0.1:2525",
      "smtp://smtp.example.com:25",
      "smtp://smtp.example.com?security=none",
      "http://x",
    ]) {
      expect(() => parse({ MAIL_SMTP_URL: url, ALLOW_LOCAL_SMTP: "" }), url).toThrow(/MAIL_SMTP_URL/);
    }
    expect(parse({ MAIL_SMTP_URL: "smtp://127.0.0.1:2525?security=none", ALLOW_LOCAL_SMTP: "on" }).relay).toMatchObject(
      {
        security: "none",
      },
    );
  });

  it("allows public hosts with TLS on any port but 25 as SMTP targets, outside local development", () => {
    const target = (host: string, port = 587, security: "tls" | "starttls" | "none" = "starttls") =>
      smtpTargetProblem({ host, port, security }, false)?.field ?? null;
    expect(target("smtp.postmarkapp.com")).toBeNull();
    expect(target("email-smtp.eu-west-1.amazonaws.com", 465, "tls")).toBeNull();
    expect(target("smtp.mailgun.org", 2525)).toBeNull();
    expect(target("localhost")).toBe("host");
    expect(target("192.168.1.10")).toBe("host");
    expect(target("[::1]")).toBe("host");
    expect(target("smtp.example.com", 25)).toBe("port");
    expect(target("smtp.example.com", 587, "none")).toBe("security");
  });
});
