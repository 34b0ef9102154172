/**
 * V8 CPU profiles of every isolate in a workerd process, through its inspector (the Chrome DevTools
 * Protocol, as `wrangler check startup` uses it): workerd lists one target per Worker, Miniflare's
 * simulators of the bindings included, and each target profiles its own isolate.
 *
 * All isolates share workerd's one thread. V8 only samples an isolate while it is entered, and adds the
 * time it was not to the next sample's `timeDeltas`, so time is read from the number of samples: each is
 * one sampling interval of the isolate's own work.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface Target {
  id: string;
  webSocketDebuggerUrl: string;
}

/** One DevTools Protocol connection: commands answered in order of their ids. */
class Session {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (r: any) => void; reject: (e: Error) => void }>();
  private readonly ws: WebSocket;
  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.onmessage = (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id!);
      if (message.error) waiting.reject(new Error(message.error.message));
      else waiting.resolve(message.result);
    };
  }

  static open(url: string): Promise<Session> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve(new Session(ws));
      ws.onerror = () => reject(new Error(`inspector: cannot connect to ${url}`));
    });
  }

  send<T = unknown>(method: string, params: object = {}): Promise<T> {
    const id = this.next++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * Profiles the isolates of the workerd whose inspector is at `inspectorUrl` (the targets `o.targets` picks)
 * while `during` runs; returns its result and each target's profile (by target id: `core:user:<worker>`,
 * `kv:ns`, …). Every profiler interrupts workerd's thread once an interval, so profile only what matters.
 */
export async function profileIsolates<T>(
  inspectorUrl: URL,
  o: { intervalMicros: number; targets: (id: string) => boolean },
  during: () => Promise<T>,
): Promise<{ result: T; profiles: Map<string, CpuProfile> }> {
  const list = new URL("/json/list", inspectorUrl.href.replace(/^ws/, "http"));
  const targets = ((await (await fetch(list)).json()) as Target[]).filter((t) => o.targets(t.id));
  const sessions = await Promise.all(
    targets.map(async (t) => [t.id, await Session.open(t.webSocketDebuggerUrl)] as const),
  );
  try {
    for (const [, s] of sessions) {
      await s.send("Profiler.enable");
      await s.send("Profiler.setSamplingInterval", { interval: o.intervalMicros });
    }
    for (const [, s] of sessions) await s.send("Profiler.start");
    const result = await during();
    const profiles = new Map<string, CpuProfile>();
    for (const [id, s] of sessions) profiles.set(id, (await s.send<{ profile: CpuProfile }>("Profiler.stop")).profile);
    return { result, profiles };
  } finally {
    for (const [, s] of sessions) s.close();
  }
}

/** CPU time (user + system, ms) a process has used: /proc/<pid>/stat (Linux), at 100 ticks a second. */
export function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The workerd process(es) this Node process started (Miniflare's runtime). */
export function childWorkerd(): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const [name, rest] = [stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), stat.split(") ")[1]!];
        return name === "workerd" && Number(rest.split(" ")[1]) === process.pid;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
}
