/**
 * `GET /partner/usage` and `GET /partner/analytics` over 30 days of daily rollups, for 100 and 1,000
 * organizations of one partner (10 and 100 million events). Single client, beside the bare route.
 */
import { seedOrganization } from "../test/browser/support/worker.ts";
import type { BenchWorker } from "./bench-worker.ts";
import { int, ms, r2 } from "./format.ts";
import { send, type Timing, timeSequential } from "./http.ts";
import { log, QUICK } from "./options.ts";
import { seedUsage } from "./seed.ts";

export interface UsageRun {
  orgs: number;
  events: number;
  usage: Timing;
  analytics: Timing;
}

export interface UsageFigures {
  built: boolean;
  /** What `GET /partner/usage` answered when probed. */
  status: number;
  runs: UsageRun[];
}

export async function measureUsage(b: BenchWorker, partnerKey: string): Promise<UsageFigures> {
  const { worker, db } = b;
  const runs: UsageRun[] = [];
  const probe = await send(`${worker.url}/api/v1/partner/usage`, { headers: { "x-partner-api-key": partnerKey } });
  if (probe.status !== 200) {
    log(`usage endpoint answered ${probe.status}: not measured`);
    return { built: false, status: probe.status, runs };
  }
  for (const [orgs, events] of QUICK
    ? [[10, 1_000_000] as const, [100, 10_000_000] as const]
    : [[100, 10_000_000] as const, [1_000, 100_000_000] as const]) {
    const p = await seedOrganization(worker, { importLocal: false });
    const partnerId = (await db
      .prepare("SELECT partner_id AS id FROM organizations WHERE id = ?")
      .bind(p.organizationId)
      .first<{ id: string }>())!.id;
    log(`seeding usage rollups: ${orgs} organizations, ${int(events)} events over 30 days`);
    await seedUsage(db, partnerId, `u${orgs}`, orgs, 30, events);
    const headers = { "x-partner-api-key": p.partnerKey };
    const n = QUICK ? 30 : 100;
    // The 30 seeded days exactly, so every seeded event is in the range asked for.
    const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
    const range = `startDate=${day(29)}&endDate=${day(0)}`;
    const check = JSON.parse((await send(`${worker.url}/api/v1/partner/usage?${range}`, { headers })).body);
    log(`usage over the range: ${JSON.stringify(check)}`);
    runs.push({
      orgs,
      events,
      usage: await timeSequential(n, () => ({ url: `${worker.url}/api/v1/partner/usage?${range}`, headers })),
      analytics: await timeSequential(n, () => ({ url: `${worker.url}/api/v1/partner/analytics?${range}`, headers })),
    });
  }
  return { built: true, status: probe.status, runs };
}

export function usageShortfalls(f: UsageFigures): string[] {
  if (!f.built) return ["usage and analytics endpoints: not measured (not mounted in this build)"];
  const short: string[] = [];
  for (const u of f.runs) {
    if (u.events >= 10_000_000 && u.orgs <= 100) {
      if (u.usage.p95ms > 100) short.push(`GET /partner/usage: p95 ${ms(u.usage.p95ms)}, goal ≤ 100 ms`);
      if (u.analytics.p95ms > 100) short.push(`GET /partner/analytics: p95 ${ms(u.analytics.p95ms)}, goal ≤ 100 ms`);
    }
  }
  return short;
}

export function usageSection(f: UsageFigures, bare: Timing): string[] {
  return [
    "## Usage and analytics endpoints",
    "",
    ...(f.built
      ? [
          "Both read only the daily rollups (`usage_daily`, one row per organization and UTC day, upserted by the",
          "queue consumer in the same D1 batch as the hits), so their cost follows organizations × days, not events.",
          "The bench writes the rollup rows that the given number of events would produce (30 days, asked for",
          "with `startDate`/`endDate` covering exactly those days); the raw receipts are not written, because",
          "these endpoints never read them.",
          "",
          "| organizations | events in the period | rollup rows | endpoint | p50 | p95 | p95 ÷ bare p95 |",
          "|---:|---:|---:|---|---:|---:|---:|",
          ...f.runs.flatMap((u) => [
            `| ${int(u.orgs)} | ${int(u.events)} | ${int(u.orgs * 30)} | /partner/usage | ${ms(u.usage.p50ms)} | ${ms(u.usage.p95ms)} | ${r2(u.usage.p95ms / bare.p95ms)} |`,
            `| ${int(u.orgs)} | ${int(u.events)} | ${int(u.orgs * 30)} | /partner/analytics | ${ms(u.analytics.p50ms)} | ${ms(u.analytics.p95ms)} | ${r2(u.analytics.p95ms / bare.p95ms)} |`,
          ]),
        ]
      : [`Not measured: endpoints not built (\`GET /api/v1/partner/usage\` answered ${f.status} in this build).`]),
    "",
  ];
}
