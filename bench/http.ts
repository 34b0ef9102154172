/**
 * Single-client latency: requests one after another over a kept-alive connection
 * (node:http, so the Host header can pick a bench Worker's route), timed in Node.
 */
import { Agent, request } from "node:http";

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

export interface Timing {
  n: number;
  p50ms: number;
  p95ms: number;
  p99ms: number;
  statuses: Record<number, number>;
}

export function send(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: o.method ?? "GET",
        headers: o.headers,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("error", reject);
    req.end(o.body);
  });
}

/** `warmup` untimed requests, then `n` timed ones. */
export async function timeSequential(
  n: number,
  make: () => { url: string; method?: string; headers?: Record<string, string>; body?: string },
  warmup = 10,
): Promise<Timing> {
  const times: number[] = [];
  const statuses: Record<number, number> = {};
  for (let k = 0; k < warmup + n; k++) {
    const r = make();
    const t0 = performance.now();
    const { status } = await send(r.url, r);
    const ms = performance.now() - t0;
    if (k >= warmup) {
      times.push(ms);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!;
  return { n, p50ms: pct(50), p95ms: pct(95), p99ms: pct(99), statuses };
}
