/**
 * `npm start` as a newcomer runs it on a fresh clone, for the end-to-end tests of the demo it starts:
 * the Worker under `wrangler dev`, the local SMTP sink writing to `.wrangler/mail/`, and the seed.
 *
 * - The clone: the repository's files copied to a temporary folder (those `git clone` would give, plus
 *   new files not ignored, so a working tree under test runs as it is; never `.wrangler/`, `.dev.vars`
 *   or build output), with `node_modules` linked instead of installed again.
 * - `.dev.vars` holds one line, the SMTP sink's port (a free one, so the test never meets a developer's
 *   own `npm start` on 2525); `npm start` adds everything else from `.dev.vars.example`, as on a first start.
 * - `PORT` is a free port. The process runs in a process group of its own, stopped as Ctrl-C stops it.
 *
 * What it offers the test is what a newcomer has: the printed banner (demo page, partner key, links),
 * the `.eml` files in `.wrangler/mail/`, `wrangler d1 execute --local` on the local databases, and
 * Miniflare's `/cdn-cgi/local/scheduled` (the cron, at a chosen scheduled time), which `wrangler dev`
 * prints when it starts.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { simpleParser } from "mailparser";
import { ROOT, sleep, wranglerBin, wranglerEnv } from "../../../scripts/lib.ts";

export interface Banner {
  demoUrl: string;
  partnerKey: string;
  organizationId: string;
  pixelKey: string;
  dashboardLink: string;
  consoleLink: string;
}

export interface Mail {
  file: string;
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  /** Raw header values by lower-case name (folded lines joined). */
  headers: Record<string, string>;
}

export interface NpmStart {
  /** http://localhost:<port>, as the banner prints it. */
  url: string;
  /** The clone's folder. */
  dir: string;
  banner: Banner;
  /** Everything `npm start` printed so far. */
  output(): string;
  /** The partner API with the demo partner's key. */
  partner<T = any>(method: string, path: string, body?: unknown): Promise<T>;
  /** The mail the sink wrote to `.wrangler/mail/`, parsed, in the order received. */
  mails(): Promise<Mail[]>;
  /** `wrangler d1 execute <binding> --local --json --command <sql>`: the last statement's rows. */
  d1<T = Record<string, unknown>>(binding: string, sql: string): Promise<T[]>;
  /** The cron (`scheduled` handler) once, at this scheduled time (ms; default now). */
  cron(scheduledTime?: number): Promise<void>;
  stop(): Promise<void>;
}

const run = promisify(execFile);
const START_TIMEOUT_MS = 240_000;
const STOP_TIMEOUT_MS = 30_000;

/** A port nothing listens on right now (on 127.0.0.1). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An environment as a terminal has it, not the test runner's (vitest sets NODE_ENV=test, which Miniflare reads). */
function asInTerminal(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const name of Object.keys(copy)) if (name === "NODE_ENV" || name.startsWith("VITEST")) delete copy[name];
  return copy;
}

async function cloneInto(dir: string): Promise<void> {
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .split("\0")
    // node_modules is linked below (a worktree may have it as a link, which `node_modules/` does not ignore).
    .filter((file) => file && file.split("/")[0] !== "node_modules" && existsSync(join(ROOT, file)));
  for (const file of files) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await copyFile(join(ROOT, file), join(dir, file));
  }
  await symlink(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
}

function parseBanner(output: string): Banner {
  const find = (pattern: RegExp) => {
    const match = pattern.exec(output);
    if (!match) throw new Error(`npm start printed no ${pattern}:\n${output.slice(-4000)}`);
    return match;
  };
  const [, organizationId, pixelKey] = find(/Demo organization:\s+(org_\w+), pixel key (\S+)/);
  const links = [...output.matchAll(/^\s+(http:\/\/\S+\/app\/sign-in\/\S+)$/gm)].map((m) => m[1]!);
  if (links.length < 2) throw new Error(`npm start printed no sign-in links:\n${output.slice(-4000)}`);
  return {
    demoUrl: find(/Demo page \(open in a browser\):\s+(\S+)/)[1]!,
    partnerKey: find(/Demo partner API key:\s+(\S+)/)[1]!,
    organizationId: organizationId!,
    pixelKey: pixelKey!,
    dashboardLink: links[0]!,
    consoleLink: links[1]!,
  };
}

export async function startNpmStart(): Promise<NpmStart> {
  const dir = await mkdtemp(join(tmpdir(), "sightline-npm-start-"));
  await cloneInto(dir);
  const port = await freePort();
  let mailPort = await freePort();
  while (mailPort === port) mailPort = await freePort();
  await writeFile(join(dir, ".dev.vars"), `MAIL_SMTP_URL=smtp://127.0.0.1:${mailPort}?security=none\n`);

  let output = "";
  const child = spawn("npm", ["start"], {
    cwd: dir,
    // npm itself would look for a newer npm now and then: nothing leaves this machine.
    env: asInTerminal({ ...process.env, PORT: String(port), npm_config_update_notifier: "false" }),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let done = false;
  void exited.then(() => (done = true));
  const group = child.pid!;
  const alive = () => {
    try {
      process.kill(-group, 0);
      return true;
    } catch {
      return false;
    }
  };

  // Should the test runner itself exit without `stop` (a crash, a timeout), the demo goes with it.
  const orphaned = () => alive() && process.kill(-group, "SIGKILL");
  process.once("exit", orphaned);

  async function stop() {
    process.off("exit", orphaned);
    if (alive()) {
      process.kill(-group, "SIGINT");
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (alive() && Date.now() < deadline) await sleep(200);
      if (alive()) process.kill(-group, "SIGKILL");
    }
    await rm(dir, { recursive: true, force: true });
  }

  try {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!output.includes("Ctrl-C stops the server.")) {
      if (done) throw new Error(`npm start exited before the demo was ready:\n${output.slice(-4000)}`);
      if (Date.now() > deadline) throw new Error(`npm start was not ready within 240 s:\n${output.slice(-4000)}`);
      await sleep(250);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const url = `http://localhost:${port}`;
  const banner = parseBanner(output);
  const parsed = new Map<string, Mail>();
  const mailDir = join(dir, ".wrangler", "mail");

  return {
    url,
    dir,
    banner,
    output: () => output,
    async partner(method, path, body) {
      const response = await fetch(new URL(path, url), {
        method,
        headers: {
          "x-partner-api-key": banner.partnerKey,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${text}`);
      return text ? JSON.parse(text) : null;
    },
    async mails() {
      const files = existsSync(mailDir) ? (await readdir(mailDir)).filter((f) => f.endsWith(".eml")).sort() : [];
      for (const file of files) {
        if (parsed.has(file)) continue;
        const mail = await simpleParser(await readFile(join(mailDir, file)));
        const headers: Record<string, string> = {};
        for (const { key, line } of mail.headerLines) {
          headers[key] = line
            .slice(line.indexOf(":") + 1)
            .replace(/\r?\n[ \t]+/g, " ")
            .trim();
        }
        parsed.set(file, {
          file,
          to: mail.to && !Array.isArray(mail.to) ? (mail.to.value[0]?.address ?? "") : "",
          from: mail.from?.text ?? "",
          subject: mail.subject ?? "",
          text: mail.text ?? "",
          html: typeof mail.html === "string" ? mail.html : "",
          headers,
        });
      }
      return files.map((file) => parsed.get(file)!);
    },
    async d1(binding, sql) {
      const { stdout } = await run(
        process.execPath,
        [wranglerBin(), "d1", "execute", binding, "--local", "--json", "--command", sql],
        { cwd: dir, env: asInTerminal(wranglerEnv()), maxBuffer: 16 * 1024 * 1024 },
      );
      const results = JSON.parse(stdout) as { results: unknown[] }[];
      return (results.at(-1)?.results ?? []) as never[];
    },
    async cron(scheduledTime = Date.now()) {
      const query = new URLSearchParams({ cron: "*/15 * * * *", time: String(scheduledTime) });
      const response = await fetch(`${url}/cdn-cgi/local/scheduled?${query}`);
      const text = await response.text();
      if (!response.ok) throw new Error(`the cron at ${new Date(scheduledTime).toISOString()} failed: ${text}`);
    },
    stop,
  };
}
