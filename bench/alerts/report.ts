/** The alerts section of BENCHMARKS.md, from one run of bench/alerts/throughput.ts and latency.ts. */
import { int, r2 } from "../format.ts";
import { RULES } from "./client.ts";
import type { LatencyFigures } from "./latency.ts";
import { CONTROL, cpuRatio, pooled, rate, wallRatio, type ThroughputFigures } from "./throughput.ts";

export const ALERTS_HEADING = "## Alerts: what ten rules cost the hits consumer, and the time from a hit to Slack";
/** Issue 18: consumer throughput with ten rules ÷ none, on the day's mixed traffic. */
export const THROUGHPUT_GOAL = 0.9;
const GOAL_WORKLOAD = "mixed day";
/** The product's promise: an alert is sent within 60 s of its hit. */
const PROMISE_MS = 60_000;

/** The p-th percentile (nearest rank) of a list of numbers. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const seconds = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : "–");
const max = (values: readonly number[]) => (values.length ? Math.max(...values) : Number.NaN);
const mixed = (t: ThroughputFigures) => pooled(t.comparisons).find((c) => c.workload === GOAL_WORKLOAD)!;

/** Where alerts fall short of their goals in this run (none: empty). */
export function alertShortfalls(t: ThroughputFigures, l: LatencyFigures): string[] {
  const short: string[] = [];
  const r = cpuRatio(mixed(t));
  if (r < THROUGHPUT_GOAL) {
    short.push(
      `alerts: consumer throughput with ten rules ${r2(r)} × none on the mixed day (goal ≥ ${THROUGHPUT_GOAL})`,
    );
  }
  if (max(l.toSlack) > PROMISE_MS) short.push("alerts: a Slack request arrived more than 60 s after its hit");
  return short;
}

function row(c: ReturnType<typeof pooled>[number]): string {
  const ratio = cpuRatio(c);
  const each = c.repetitions.map(cpuRatio);
  const goal =
    c.workload === GOAL_WORKLOAD
      ? `≥ ${THROUGHPUT_GOAL} | ${ratio >= THROUGHPUT_GOAL ? "met" : "**not met**"}`
      : c.workload === CONTROL
        ? "1 | the method's noise"
        : "| ";
  return (
    `| ${c.workload} | ${int(c.none.hits)} | ${int(rate(c.none))} | ${int(rate(c.rules))} | **${r2(ratio)}** | ` +
    `${r2(Math.min(...each))}–${r2(Math.max(...each))} | ${r2(wallRatio(c))} | ${goal} | ` +
    `${c.workload === CONTROL ? "–" : `${int(c.firings)} (${int(c.deliveries)})`} |`
  );
}

function describe(r: (typeof RULES)[number]): string {
  return [
    r.segment ? `segment ${r.segment}` : "",
    r.pages ? r.pages.map((p) => `\`${p}\``).join(", ") : "",
    r.returnAfterDays ? `after ${r.returnAfterDays} days` : "",
    `${r.cooldownHours} h cooldown`,
  ]
    .filter(Boolean)
    .join("; ");
}

export function alertsSection(t: ThroughputFigures, l: LatencyFigures, o: { command: string; measuredAt: string }) {
  const [hits, notifications] = l.queues;
  const slack50 = percentile(l.toSlack, 50);
  const work = (q: LatencyFigures["queues"][number]) => q.batches.map((b) => b.ms);
  const waits = (hits!.maxBatchTimeout + notifications!.maxBatchTimeout) * 1000;
  const consumers = percentile(work(hits!), 50) + percentile(work(notifications!), 50);
  return [
    ALERTS_HEADING,
    "",
    `Measured ${o.measuredAt} with \`${o.command}\` (bench/alerts/). **Throughput:** the same traffic through the product's`,
    "hits consumer (bench/driver/alerts-consumer.ts: batches of 100 messages, one after the other, timed inside workerd, on",
    "the Worker's D1, credit counters and queues) for two organizations of their own partners that differ only in their",
    "alert rules: none, or a real client's ten below (four saved segments; Slack, Teams and e-mail channels); both with",
    "the same ICP config. The two run interleaved, 500 hits of one side, then the same 500 of the other's traffic, the",
    "first side alternating, so the machine's noise falls on both. The ratio is the consumer's throughput with the rules",
    "÷ without them, from the CPU time of the workerd process (the consumer, D1's SQLite and the credit counters all run",
    "in it; on a machine with a core to spare, hits per second go as its inverse), which other processes on this shared",
    "machine hardly move; beside it, the wall clock's (the median over the turns of the ratio of the two sides' times).",
    `Each kind of traffic ran ${t.repetitions} times on fresh organizations (the range: each repetition's ratio). The alerts`,
    "the consumer fires go to a queue no consumer takes: what is timed is the hits consumer's own work (deliveries are",
    `timed below). The traffic is issue 10's profile (${int(t.visitors)} visitors × 3 page views, each with its engagement`,
    "hit, over one UTC day, 30 % of visitors from imported companies), whole or in parts; the control runs it for two",
    "organizations without rules, to show what the method's noise makes of a ratio of 1.",
    "",
    "| traffic | hits each side | hits/s, no rules | hits/s, ten rules | ratio (CPU) | range | wall clock | goal | | firings (deliveries) each |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ...pooled(t.comparisons).map(row),
    "",
    "Anonymous hits do no alert work: an organization's rules and its visitors' cooldowns are read only in the batch",
    "of reads that follows an identification, so a batch without an identified visitor reads, claims and queues nothing",
    "for alerts (test/worker/alerts-cost.integration.test.ts watches the statements D1 is given). Where someone is",
    "identified, one read of the stored visitors' facts serves ICP scoring and the rules' segments, and one batch writes",
    "the changed scores with the alerts' cooldowns and deliveries (worker/collect/after-store.ts); what alerts add is",
    "that batch when no score changed, the statements themselves and the queue send. Identified-only traffic is the",
    "worst case (every batch fires); 'back eight days later' is the same visitors returning to the same organizations",
    "within the billing period (no new charge, the `returned` rules fire).",
    "",
    "| # | rule | trigger | | channels | firings, all traffic of a repetition |",
    "|---:|---|---|---|---|---:|",
    ...RULES.map(
      (r, i) =>
        `| ${i + 1} | ${r.name} | ${r.trigger} | ${describe(r)} | ${r.channels.join(", ")} | ${int(t.firingsByRule[i]! / t.repetitions)} |`,
    ),
    "",
    `**From a hit to Slack:** ${l.alerts} hits, each from a new imported ICP company, sent to \`POST /e\` one after another`,
    `at random intervals (${(l.spacingMs / 1000).toFixed(1)} s on average) for an organization with the ten rules; timed from`,
    "each hit's 204 (which the edge answers once the hit's bundle is queued, after up to 0.25 s in its collector) to the",
    "request of rule 1 (every new company, to Slack) at an HTTP receiver on 127.0.0.1, through the",
    "real edge, hit queue, consumer, notification queue and its consumer in Miniflare, with wrangler.toml's queue",
    "settings. Each hit fires rules 1–4 and 6 (three Slack and two Teams requests) and rule 2's e-mail to two addresses",
    "(an SMTP sink on 127.0.0.1), seven notifications.",
    "",
    "| from the hit's 204 to | p50 | p95 | max | alerts |",
    "|---|---:|---:|---:|---:|",
    `| **the Slack request at the receiver** | **${seconds(slack50)}** | **${seconds(percentile(l.toSlack, 95))}** | ${seconds(max(l.toSlack))} | ${l.toSlack.length} |`,
    `| rule 2's e-mail at the SMTP sink | ${seconds(percentile(l.toMail, 50))} | ${seconds(percentile(l.toMail, 95))} | ${seconds(max(l.toMail))} | ${l.toMail.length} |`,
    "",
    "The queues' batches meanwhile (Miniflare's log: messages per batch, and how long its consumer took; a hit queue's",
    "messages are bundles, the hits a collector took in a quarter of a second):",
    "",
    "| queue | max_batch_size | max_batch_timeout | batches | messages per batch, median | consumer time per batch, p50 / p95 |",
    "|---|---:|---:|---:|---:|---:|",
    ...l.queues.map(
      (q) =>
        `| \`${q.queue}\` | ${q.maxBatchSize} | ${q.maxBatchTimeout} s | ${q.batches.length} | ` +
        `${percentile(
          q.batches.map((b) => b.messages),
          50,
        )} | ${seconds(percentile(work(q), 50))} / ${seconds(percentile(work(q), 95))} |`,
    ),
    "",
    "What dominates is waiting for batches: a queue hands its consumer a batch when it is full or `max_batch_timeout`",
    `after its first message, so a hit arriving alone waits ${seconds(waits)} in the two queues, against a median of`,
    `${seconds(consumers)} of the two consumers' work (${seconds(percentile(work(hits!), 50))} per hits batch, ${seconds(percentile(work(notifications!), 50))}`,
    "per notification batch: reading the visit, building the messages, posting to Slack and Teams and mailing). With",
    "ten rules a hit queues seven notifications, so when two hits' notifications meet in the queue a batch of 10 fills",
    "and leaves at once, and some alerts arrive well within a second of their hit's batch. Lowering `max_batch_timeout`",
    "trades fuller batches (fewer consumer invocations and D1 round trips per hit) for faster alerts; the product",
    "promises 60 s.",
    "",
  ];
}
