/**
 * `npm start`: the whole product on this machine, seeded with a demo.
 *
 *   1. .dev.vars from .dev.vars.example when missing, or the settings it lacks added (ADMIN_API_KEY, DEMO_PAGES=on, …)
 *   2. apply the D1 migrations to every local database: the catalog and each tenant shard (.wrangler/state)
 *   3. a local SMTP sink where MAIL_SMTP_URL points (.dev.vars.example: 127.0.0.1:2525) that writes every
 *      e-mail the Worker sends to .wrangler/mail/ as an .eml file, and
 *      `wrangler dev` on PORT (default 8787), output in this terminal; it builds the pixel and the
 *      API reference's assets first (`[build]` in wrangler.toml)
 *   4. once /health answers: seed the demo through the real APIs (scripts/seed-demo.ts)
 *      and print the demo page URL, fresh sign-in links to the demo client's dashboard and
 *      to the demo partner's console, the demo partner key and a curl for its visitors
 *
 * Stays in the foreground; Ctrl-C stops wrangler, and the exit code is wrangler's.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { constants } from "node:os";
import { join } from "node:path";
import {
  captureWrangler,
  d1Bindings,
  ensureDevVars,
  readDevVars,
  ROOT,
  sleep,
  wranglerBin,
  wranglerEnv,
} from "./lib.ts";
import { startMailSink } from "./mail-sink.ts";
import { describeSeed, seedDemo } from "./seed-demo.ts";

const port = Number(process.env.PORT || 8787);
if (!Number.isInteger(port) || port <= 0 || port > 65535)
  fail(`PORT must be a TCP port number, got '${process.env.PORT}'`);
// wrangler dev listens on "localhost" by default, which is what the printed URLs use.
const baseUrl = `http://localhost:${port}`;
const HEALTH_TIMEOUT_MS = 120_000;

/** Where the local SMTP sink writes what the Worker mails. */
const MAIL_DIR = join(ROOT, ".wrangler", "mail");

function fail(message: string): never {
  console.error(`\n[start] ${message}`);
  process.exit(1);
}

/** True when something already accepts connections on the port (IPv4 or IPv6 loopback). */
function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(1000);
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
    socket.once("error", () => resolve(false));
  });
}

const addedVars = ensureDevVars();
if (addedVars.length > 0) console.log(`[start] .dev.vars: added ${addedVars.join(", ")} from .dev.vars.example`);
const devVars = readDevVars();
const adminKey = devVars.ADMIN_API_KEY;
if (!adminKey) fail(".dev.vars has no ADMIN_API_KEY (see .dev.vars.example)");
if ((await portInUse("127.0.0.1", port)) || (await portInUse("::1", port))) {
  fail(`port ${port} is already in use (another \`npm start\`?). Stop it, or choose another: PORT=8788 npm start`);
}

try {
  // Non-interactive: wrangler skips its confirmation prompt when CI is set / stdin is not a terminal.
  // Its output (a table per migration) is printed only when it fails.
  for (const binding of d1Bindings()) {
    const output = await captureWrangler(["d1", "migrations", "apply", binding, "--local"], { CI: "true" });
    const applied = [...new Set(output.match(/\d{4}_[\w-]+\.sql(?=\s*│\s*✅)/g) ?? [])];
    console.log(
      applied.length > 0
        ? `[start] applied D1 migrations to ${binding}: ${applied.join(", ")}`
        : `[start] ${binding} is up to date (no D1 migrations to apply)`,
    );
  }
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

/**
 * The local SMTP sink, when the platform's relay (MAIL_SMTP_URL) is on this machine: every message
 * the Worker sends lands in .wrangler/mail/ as `<time>-<recipient>.eml` (open it with any mail client).
 */
async function startLocalMailSink(devVars: Record<string, string>) {
  const relay = devVars.MAIL_SMTP_URL ? URL.parse(devVars.MAIL_SMTP_URL) : null;
  if (!relay || !["127.0.0.1", "localhost", "[::1]"].includes(relay.hostname)) return;
  const sinkPort = Number(relay.port || 587);
  if (await portInUse("127.0.0.1", sinkPort)) {
    console.log(`[start] port ${sinkPort} (MAIL_SMTP_URL) is taken already (another npm start?): no mail sink started`);
    return;
  }
  mkdirSync(MAIL_DIR, { recursive: true });
  await startMailSink({
    port: sinkPort,
    onMessage(mail) {
      const stamp = new Date(mail.receivedAt).toISOString().replace(/[:.]/g, "-");
      const file = join(MAIL_DIR, `${stamp}-${(mail.envelope.to[0] ?? "unknown").replace(/[^\w.@-]/g, "_")}.eml`);
      writeFileSync(file, mail.raw);
      console.log(`[mail] ${mail.envelope.to.join(", ")}: ${file}`);
    },
  });
  console.log(`[start] mail sink on 127.0.0.1:${sinkPort}: every e-mail is written to ${MAIL_DIR}/`);
}

await startLocalMailSink(devVars);

console.log(`[start] starting wrangler dev on ${baseUrl}`);
// Mail sent in the background (notices) links to the dashboards: on this server unless .dev.vars says otherwise.
const vars = devVars.DASHBOARD_BASE_URL ? [] : ["--var", `DASHBOARD_BASE_URL:${baseUrl}`];
const wrangler = spawn(
  process.execPath,
  [wranglerBin(), "dev", "--port", String(port), "--show-interactive-dev-session=false", ...vars],
  { cwd: ROOT, stdio: "inherit", env: wranglerEnv() },
);

let stopping = false;
const exited = new Promise<number>((resolve) => {
  wrangler.once("exit", (code, signal) => {
    resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 1) : 1));
  });
  wrangler.once("error", (error) => {
    console.error(`[start] could not run wrangler: ${error.message}`);
    resolve(1);
  });
});

// Ctrl-C in a terminal reaches wrangler directly (same process group); a signal sent to
// this process alone (kill <pid>, npm forwarding SIGTERM) is passed on. Either way we
// wait for wrangler to shut workerd down and exit with its code.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    if (wrangler.exitCode === null && wrangler.signalCode === null) wrangler.kill(signal);
  });
}

async function waitForHealth(): Promise<boolean> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let done = false;
  void exited.then(() => (done = true));
  while (!done && !stopping && Date.now() < deadline) {
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2000) });
      await response.body?.cancel();
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await sleep(300);
  }
  return false;
}

void (async () => {
  if (!(await waitForHealth())) {
    if (!stopping && wrangler.exitCode === null) {
      console.error(
        `\n[start] ${baseUrl}/health did not answer within ${HEALTH_TIMEOUT_MS / 1000} s; stopping wrangler`,
      );
      wrangler.kill("SIGINT");
    }
    return;
  }
  try {
    const seed = await seedDemo({ baseUrl, adminKey });
    console.log(describeSeed(seed));
  } catch (error) {
    console.error(`\n[start] seeding the demo failed: ${error instanceof Error ? error.message : String(error)}`);
    console.error(
      "[start] stopping wrangler (fix the error, or delete .wrangler/ to start from an empty local database)",
    );
    process.exitCode = 1;
    stopping = true;
    wrangler.kill("SIGINT");
  }
})();

const code = await exited;
process.exit(process.exitCode && process.exitCode !== 0 ? Number(process.exitCode) : code);
