/**
 * A local SMTP server that accepts mail and hands each message to a callback, never relaying it:
 * `npm start` writes what it receives to .wrangler/mail/, the Worker tests read it back
 * (test/fixtures/mail-sinks.ts). It is nodemailer's `smtp-server`, a real SMTP implementation:
 * the Worker's mailer talks to it exactly as it would to a provider.
 */
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerOptions } from "smtp-server";

export interface ReceivedMail {
  /** The envelope (MAIL FROM and RCPT TO), not the headers. */
  envelope: { from: string; to: string[] };
  /** The message as received (after DATA, dot-stuffing undone). */
  raw: string;
  /** The user that authenticated, or null. */
  user: string | null;
  /** True when the message came over TLS (implicit or STARTTLS). */
  secure: boolean;
  receivedAt: number;
}

export interface MailSinkOptions {
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  /** Mail is accepted only after AUTH PLAIN or LOGIN with these; unset, AUTH is optional (any credentials pass). */
  credentials?: { username: string; password: string };
  /** TLS: `implicit` from the first byte (465-style), else offered through STARTTLS; unset, no TLS at all. */
  tls?: { key: string; cert: string; implicit: boolean };
  /** Recipients at this domain are refused at RCPT TO with 550 (a server that says no). */
  refuseDomain?: string;
  onMessage(mail: ReceivedMail): void;
}

export interface MailSink {
  port: number;
  close(): Promise<void>;
}

export async function startMailSink(options: MailSinkOptions): Promise<MailSink> {
  const { credentials, tls } = options;
  const settings: SMTPServerOptions = {
    name: "mail-sink.localhost",
    banner: "local mail sink",
    logger: false,
    authMethods: ["PLAIN", "LOGIN"],
    authOptional: !credentials,
    allowInsecureAuth: true,
    size: 10 * 1024 * 1024,
    ...(tls ? { key: tls.key, cert: tls.cert, secure: tls.implicit } : { disabledCommands: ["STARTTLS"] }),
    onAuth(auth: SMTPServerAuthentication, _session, callback) {
      if (credentials && (auth.username !== credentials.username || auth.password !== credentials.password)) {
        callback(new Error("Invalid username or password"));
        return;
      }
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (options.refuseDomain && address.address.toLowerCase().endsWith(`@${options.refuseDomain}`)) {
        callback(Object.assign(new Error(`<${address.address}>: Recipient address rejected`), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const from = session.envelope.mailFrom;
        options.onMessage({
          envelope: { from: from ? from.address : "", to: session.envelope.rcptTo.map((r) => r.address) },
          raw: Buffer.concat(chunks).toString("utf8"),
          user: typeof session.user === "string" ? session.user : null,
          secure: session.secure,
          receivedAt: Date.now(),
        });
        callback();
      });
    },
  };
  const server = new SMTPServer(settings);
  server.on("error", (error) => console.error(`[mail sink] ${error.message}`));
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.server.address();
  return {
    port: typeof address === "object" && address ? address.port : 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
