/** The alerts section of BENCHMARKS.md, from one run of bench/alerts/throughput.ts and latency.ts. */
import { int, r2 } from "../format.ts";
import { RULES } from "./client.ts";
import type { LatencyFigures } from "./latency.ts";
import { rate, type ThroughputFigures } from "./throughput.ts";

export const ALERTS_HEADING = "## Alerts: what ten rules cost the hits consumer, and the time from a hit to Slack";
export const THROUGHPUT_GOAL = 0.9;

/** The p-th percentile (nearest rank) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : "–");

/** Where alerts fall short of their goals in this run (none: empty). */
export function alertShortfalls(t: ThroughputFigures, l: LatencyFigures): string[] {
  const short = t.comparisons
    .filter((c) => rate(c.rules) / rate(c.none) < THROUGHPUT_GOAL)
    .map(
      (c) =>
        `alerts, ${c.workload}: consumer throughput with ten rules ${r2(rate(c.rules) / rate(c.none))} × none (goal ≥ ${THROUGHPUT_GOAL})`,
    );
  if (Math.max(...l.toSlack) > 60_000) short.push("alerts: a Slack request arrived more than 60 s after its hit");
  return short;
}

export function alertsSection(t: ThroughputFigures, l: LatencyFigures, o: { command: string; measuredAt: string }) {
  const [hits, notifications] = l.queues;
  const waits = (hits!.maxBatchTimeout + notifications!.maxBatchTimeout) * 1000;
  const p50 = percentile(l.toSlack, 50);
  const stored50 = percentile(l.toStored, 50);
  const rows = t.comparisons.map((c) => {
    const ratio = rate(c.rules) / rate(c.none);
    return (
      `| ${c.workload} | ${int(c.none.hits)} | ${int(rate(c.none))} | ${int(rate(c.rules))} | **${r2(ratio)}** | ` +
      `≥ ${THROUGHPUT_GOAL} | ${ratio >= THROUGHPUT_GOAL ? "met" : "**not met**"} | ${int(c.firings)} (${int(c.deliveries)}) |`
    );
  });
  const describe = (r: (typeof RULES)[number]) =>
    [
      r.segment ? `segment ${r.segment}` : "",
      r.pages ? r.pages.map((p) => `\`${p}\``).join(", ") : "",
      r.returnAfterDays ? `after ${r.returnAfterDays} days` : "",
      `${r.cooldownHours} h cooldown`,
    ]
      .filter(Boolean)
      .join("; ");
  return [
    ALERTS_HEADING,
    "",
    `Measured ${o.measuredAt} with \`${o.command}\` (bench/alerts/). **Throughput:** the same traffic through the product's hits`,
    "consumer (bench/driver/alerts-consumer.ts: batches of 100, one after the other, timed inside workerd, on the Worker's",
    "D1, credit counters and queues) for two organizations of their own partners that differ only in their alert rules: none,",
    "or a real client's ten below (four saved segments; Slack, Teams and e-mail channels), both with the same ICP config. The",
    "two sides run interleaved, 1,000 hits of one then 1,000 of the other, the first side alternating, so the machine's noise",
    "falls on both. The alerts the consumer fires are queued on a queue no consumer takes: what is timed is the hits",
    `consumer's own work (the deliveries are timed below). The traffic is issue 10's profile (${int(t.visitors)} visitors × 3 page`,
    "views, each with its engagement hit, over one UTC day, 30 % from imported companies), whole or in parts:",
    "",
    "| traffic | hits each side | hits/s, no rules | hits/s, ten rules | ratio | goal | | firings (deliveries) |",
    "|---|---:|---:|---:|---:|---:|---|---:|",
    ...rows,
    "",
    "The anonymous-only batches show that anonymous hits do no alert work: an organization's rules are read only in the",
    "batch of reads a batch makes once someone in it was identified, so a batch of anonymous hits reads, claims and sends",
    "nothing for alerts (test/worker/alerts-cost.integration.test.ts proves it by the statements D1 runs). 'Back eight",
    "days later' is the identified visitors' return to the same organizations, within the billing period (no new charge).",
    "",
    "| # | rule | trigger | | channels | firings, all traffic |",
    "|---:|---|---|---|---|---:|",
    ...RULES.map(
      (r, i) =>
        `| ${i + 1} | ${r.name} | ${r.trigger} | ${describe(r)} | ${r.channels.join(", ")} | ${int(t.firingsByRule[i]!)} |`,
    ),
    "",
    `**From a hit to Slack:** ${l.alerts} hits, each from a new imported ICP company, sent to \`POST /e\` one after another`,
    `(${l.spacingMs} ms apart on average, at random) for an organization with the ten rules; timed from each hit's 204 to the`,
    "request of rule 1 (every new company, to Slack) at an HTTP receiver on 127.0.0.1, through the real edge, hit queue,",
    "consumer, notification queue and its consumer in Miniflare, with wrangler.toml's queue settings. Each hit fires rules",
    "1–4 and 6 (three Slack, two Teams requests) and rule 2's e-mail to two addresses (an SMTP sink on 127.0.0.1). 'Stored'",
    "is when rule 1's delivery row appeared in D1 (polled every 50 ms), which the hits consumer writes just before it queues",
    "the notification.",
    "",
    "| from the hit's 204 to | p50 | p95 | max | alerts |",
    "|---|---:|---:|---:|---:|",
    `| rule 1's delivery stored (hit queue + hits consumer) | ${seconds(stored50)} | ${seconds(percentile(l.toStored, 95))} | ${seconds(Math.max(...l.toStored))} | ${l.toStored.length} |`,
    `| **the Slack request at the receiver** | **${seconds(p50)}** | **${seconds(percentile(l.toSlack, 95))}** | ${seconds(Math.max(...l.toSlack))} | ${l.toSlack.length} |`,
    `| rule 2's e-mail at the SMTP sink | ${seconds(percentile(l.toMail, 50))} | ${seconds(percentile(l.toMail, 95))} | ${seconds(Math.max(...l.toMail))} | ${l.toMail.length} |`,
    "",
    `What dominates is waiting for batches: \`${hits!.queue}\` delivers a batch when it holds ${hits!.maxBatchSize} messages or`,
    `${hits!.maxBatchTimeout} s after its first (\`max_batch_timeout\`), \`${notifications!.queue}\` at ${notifications!.maxBatchSize} or`,
    `after ${notifications!.maxBatchTimeout} s; a hit arriving alone waits the whole of both, ${seconds(waits)}, of the median's`,
    `${seconds(p50)} (${seconds(stored50)} to the stored delivery, ${seconds(p50 - stored50)} from there to Slack). The rest`,
    "is the two consumers' work: identifying, charging and storing the batch and firing its alerts; then reading the visit,",
    "building the message and posting it. On Cloudflare the waits are the same settings; lowering `max_batch_timeout`",
    "trades fewer, fuller batches (fewer consumer invocations and D1 round trips per hit) for a faster alert. The",
    "product promises 60 s.",
    "",
  ];
}
