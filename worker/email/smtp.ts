import { connect as connectSocket } from "cloudflare:sockets";
import type { SmtpServer } from "../outbound/targets";

/**
 * An SMTP client over `cloudflare:sockets` (RFC 5321): implicit TLS (465), STARTTLS (587) or a
 * plain connection (local development only), EHLO, AUTH PLAIN or LOGIN, one MAIL FROM, one RCPT TO,
 * DATA with dot-stuffing, QUIT. No pipelining: each command waits for its reply, and every reply
 * outside 2xx/3xx ends the session with an `SmtpError` that names the step and quotes the server.
 */

/** The steps of a session, in order; an error names the one that failed. */
export const SMTP_STEPS = [
  "connect",
  "greeting",
  "ehlo",
  "starttls",
  "auth",
  "mail_from",
  "rcpt_to",
  "data",
  "message",
] as const;
export type SmtpStep = (typeof SMTP_STEPS)[number];

const STEP_LABEL: Record<SmtpStep, string> = {
  connect: "Could not connect to the SMTP server",
  greeting: "The SMTP server did not greet",
  ehlo: "The SMTP server refused EHLO",
  starttls: "STARTTLS failed",
  auth: "Authentication failed",
  mail_from: "The SMTP server refused the sender (MAIL FROM)",
  rcpt_to: "The SMTP server refused the recipient (RCPT TO)",
  data: "The SMTP server refused DATA",
  message: "The SMTP server refused the message",
};

export class SmtpError extends Error {
  constructor(
    readonly step: SmtpStep,
    detail: string,
    /** The server's reply, as it sent it (lines joined with `\n`), when it sent one. */
    readonly reply: string | null = null,
  ) {
    super(`${STEP_LABEL[step]}: ${detail}`);
  }
}

/** `connect` of `cloudflare:sockets`, or of a service binding to a network (the TLS tests use one). */
export type Connect = (address: SocketAddress, options: SocketOptions) => Socket;

export interface SmtpOptions {
  /** The name EHLO announces: the sender's domain. */
  heloName: string;
  /** Each step (connecting, every reply) gets this long. */
  timeoutMs: number;
  connect?: Connect;
}

interface Reply {
  code: number;
  text: string;
}

/** Replies longer than this are not an SMTP server talking. */
const MAX_REPLY_CHARS = 64 * 1024;

const base64 = (text: string) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

/** A leading dot of a line is doubled (RFC 5321 §4.5.2), and the data ends with CRLF before the final dot. */
export function dotStuff(data: string): string {
  const stuffed = data.replace(/(^|\r\n)\./g, "$1..");
  return stuffed.endsWith("\r\n") ? stuffed : `${stuffed}\r\n`;
}

/** One connection, read reply by reply; STARTTLS swaps the socket underneath. */
class Session {
  #socket!: Socket;
  #reader!: ReadableStreamDefaultReader<Uint8Array>;
  #writer!: WritableStreamDefaultWriter<Uint8Array>;
  #buffer = "";
  #decoder = new TextDecoder();

  constructor(
    socket: Socket,
    private readonly timeoutMs: number,
  ) {
    this.#attach(socket);
  }

  #attach(socket: Socket) {
    this.#socket = socket;
    this.#reader = socket.readable.getReader();
    this.#writer = socket.writable.getWriter();
    this.#decoder = new TextDecoder();
  }

  /** Resolves `work`, or fails the step when it takes longer than the timeout. */
  async within<T>(step: SmtpStep, work: Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SmtpError(step, `no answer within ${this.timeoutMs / 1000} s`)),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #line(step: SmtpStep): Promise<string> {
    for (;;) {
      const end = this.#buffer.indexOf("\n");
      if (end >= 0) {
        const line = this.#buffer.slice(0, end).replace(/\r$/, "");
        this.#buffer = this.#buffer.slice(end + 1);
        return line;
      }
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await this.#reader.read();
      } catch (error) {
        throw new SmtpError(step, `the connection failed (${errorText(error)})`);
      }
      if (chunk.done) throw new SmtpError(step, "the server closed the connection");
      this.#buffer += this.#decoder.decode(chunk.value, { stream: true });
      if (this.#buffer.length > MAX_REPLY_CHARS) throw new SmtpError(step, "the server's reply is too long");
    }
  }

  /** One reply, multi-line (`250-…` … `250 …`) or not. */
  async reply(step: SmtpStep): Promise<Reply> {
    const read = async () => {
      const lines: string[] = [];
      for (;;) {
        const line = await this.#line(step);
        if (!/^\d{3}(?:[ -]|$)/.test(line)) throw new SmtpError(step, `not an SMTP reply: ${line.slice(0, 200)}`);
        lines.push(line);
        if (line.charAt(3) !== "-") break;
      }
      return { code: Number(lines[0]!.slice(0, 3)), text: lines.join("\n") };
    };
    return this.within(step, read());
  }

  /**
   * A reply that must be 2xx or 3xx (or one of `expected`); anything else is the step's error,
   * quoting the reply (its first 1,000 characters: a server that is not SMTP may say anything).
   */
  async expect(step: SmtpStep, expected?: number[]): Promise<Reply> {
    const reply = await this.reply(step);
    const ok = expected ? expected.includes(reply.code) : reply.code >= 200 && reply.code < 400;
    if (!ok) throw new SmtpError(step, reply.text.slice(0, 1000), reply.text.slice(0, 1000));
    return reply;
  }

  async send(step: SmtpStep, text: string): Promise<void> {
    try {
      await this.within(step, this.#writer.write(new TextEncoder().encode(text)));
    } catch (error) {
      if (error instanceof SmtpError) throw error;
      throw new SmtpError(step, `the connection failed (${errorText(error)})`);
    }
  }

  async command(step: SmtpStep, line: string, expected?: number[]): Promise<Reply> {
    await this.send(step, `${line}\r\n`);
    return this.expect(step, expected);
  }

  /** After `220` to STARTTLS: the same connection, now TLS, its certificate checked against the host connected to. */
  upgrade() {
    // Anything the server sent after its 220 would be trusted as if it came over TLS (CVE-2011-0411).
    if (this.#buffer !== "") throw new SmtpError("starttls", "the server sent data before the TLS handshake");
    this.#reader.releaseLock();
    this.#writer.releaseLock();
    this.#attach(this.#socket.startTls());
  }

  close() {
    this.#socket.close().catch(() => {});
  }
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The AUTH mechanisms an EHLO reply offers (`250-AUTH PLAIN LOGIN`, or the old `AUTH=`). */
function authMechanisms(ehlo: Reply): string[] {
  const line = ehlo.text.split("\n").find((l) => /^\d{3}[ -]AUTH[ =]/i.test(l));
  return line ? line.slice(9).toUpperCase().split(/\s+/).filter(Boolean) : [];
}

const offers = (ehlo: Reply, extension: string) =>
  ehlo.text.split("\n").some((l) => l.slice(4).toUpperCase().split(" ")[0] === extension);

export interface SmtpEnvelope {
  from: string;
  to: string;
}

/**
 * Sends one message (`data`: the MIME text, CRLF line ends) to one recipient. Resolves with the
 * server's reply to the message once it accepted it; rejects with an `SmtpError` otherwise.
 */
export async function sendSmtp(
  server: SmtpServer,
  envelope: SmtpEnvelope,
  data: string,
  options: SmtpOptions,
): Promise<string> {
  const connect = options.connect ?? connectSocket;
  let socket: Socket;
  try {
    socket = connect(
      { hostname: server.host, port: server.port },
      { secureTransport: { tls: "on", starttls: "starttls", none: "off" }[server.security], allowHalfOpen: false },
    );
  } catch (error) {
    throw new SmtpError("connect", `${server.host}:${server.port} (${errorText(error)})`);
  }
  const session = new Session(socket, options.timeoutMs);
  try {
    await session.within(
      "connect",
      socket.opened.catch((error: unknown) => {
        throw new SmtpError("connect", `${server.host}:${server.port} (${errorText(error)})`);
      }),
    );
    await session.expect("greeting", [220]);
    let ehlo = await session.command("ehlo", `EHLO ${options.heloName}`, [250]);
    if (server.security === "starttls") {
      if (!offers(ehlo, "STARTTLS")) throw new SmtpError("starttls", "the server does not offer STARTTLS");
      await session.command("starttls", "STARTTLS", [220]);
      session.upgrade();
      ehlo = await session.command("ehlo", `EHLO ${options.heloName}`, [250]);
    }
    if (server.username !== null) await authenticate(session, ehlo, server.username, server.password ?? "");
    await session.command("mail_from", `MAIL FROM:<${envelope.from}>`, [250]);
    await session.command("rcpt_to", `RCPT TO:<${envelope.to}>`, [250, 251]);
    await session.command("data", "DATA", [354]);
    await session.send("message", `${dotStuff(data)}.\r\n`);
    const accepted = await session.expect("message", [250]);
    // The message is accepted; a server that mishandles QUIT changes nothing about that.
    await session.command("message", "QUIT").catch(() => {});
    return accepted.text;
  } finally {
    session.close();
  }
}

async function authenticate(session: Session, ehlo: Reply, username: string, password: string) {
  const mechanisms = authMechanisms(ehlo);
  if (mechanisms.includes("PLAIN")) {
    await session.command("auth", `AUTH PLAIN ${base64(`\0${username}\0${password}`)}`, [235]);
  } else if (mechanisms.includes("LOGIN")) {
    await session.command("auth", "AUTH LOGIN", [334]);
    await session.command("auth", base64(username), [334]);
    await session.command("auth", base64(password), [235]);
  } else {
    throw new SmtpError(
      "auth",
      mechanisms.length === 0
        ? "the server offers no authentication on this connection (does it need TLS?)"
        : `the server offers neither AUTH PLAIN nor LOGIN (${mechanisms.join(", ")})`,
    );
  }
}
