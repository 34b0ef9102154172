/**
 * Runs wrk (Debian's `wrk` package) and returns its figures. A `done` hook appended to the
 * Lua script prints one JSON line, so nothing is scraped from wrk's human output.
 */
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

const DONE = `
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"p50":%d,"p99":%d,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
`;

export function wrkAvailable(): boolean {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
    return true;
  } catch (err) {
    // wrk --version exits 1 after printing its version; only a missing binary throws ENOENT.
    return (err as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

export interface WrkOptions {
  url: string;
  seconds: number;
  connections: number;
  threads?: number;
  /** Lua script file (without a `done` hook), or none for plain GETs. */
  script?: string;
  headers?: Record<string, string>;
  env?: Record<string, string>;
}

export async function wrk(o: WrkOptions): Promise<WrkResult> {
  const lua = join(tmpdir(), `bench-${process.pid}-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(lua, (o.script ? readFileSync(o.script, "utf8") : "") + DONE);
  const args = [`-t${o.threads ?? 1}`, `-c${o.connections}`, `-d${o.seconds}s`, "--timeout", "10s", "-s", lua];
  for (const [k, v] of Object.entries(o.headers ?? {})) args.push("-H", `${k}: ${v}`);
  args.push(o.url);
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn("wrk", args, { env: { ...process.env, ...o.env } });
    let text = "";
    p.stdout.on("data", (d) => (text += d));
    p.stderr.on("data", (d) => (text += d));
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`))));
  }).finally(() => rmSync(lua, { force: true }));
  const line = out.split("\n").find((l) => l.startsWith("WRK_JSON "));
  if (!line) throw new Error(`no summary from wrk: ${out}`);
  const j = JSON.parse(line.slice(9));
  const seconds = j.duration_us / 1e6;
  return {
    requests: j.requests,
    seconds,
    rps: j.requests / seconds,
    p50ms: j.p50 / 1000,
    p99ms: j.p99 / 1000,
    errors: j.errors,
  };
}
