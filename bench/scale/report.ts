/** The simulation's results in Markdown: docs/scale.md's generated part and BENCHMARKS.md's section. */
import { big, dec, int, usd } from "../format.ts";
import type { StorageKind, WriteKind } from "./organizations.ts";
import { STORAGE_KINDS, sum, WRITE_KINDS } from "./organizations.ts";
import { type Meter, PRICES, PLAN_USD_PER_MONTH, PRICES_LOOKED_UP } from "./prices.ts";
import type { Quantiles, ShardStats, SimulationResult } from "./result.ts";
import type { UnitCosts } from "./unit-costs.ts";

const gb = (bytes: number) => `${dec(bytes / 1e9)} GB`;
const tb = (bytes: number) => `${dec(bytes / 1e12)} TB`;
const range = (q: Quantiles, f: (x: number) => string) => `${f(q.min)} / ${f(q.median)} / ${f(q.p90)} / ${f(q.max)}`;

const provenanceOf = (measuredFields: string[], fields: number) =>
  measuredFields.length === 0
    ? "estimate"
    : measuredFields.length === fields
      ? "measured"
      : `measured: ${measuredFields.join(", ")}; the rest estimated`;

/** The generated part of docs/scale.md: results of one run, in Markdown. */
export function report(r: SimulationResult, command: string): string[] {
  const c = r.config;
  const p = r.unitCosts.provenance;
  const units = r.unitCosts.units;
  const measuredUnits = (Object.keys(p) as (keyof UnitCosts)[]).filter((k) => p[k].measuredFields.length > 0);
  const source = r.unitCosts.measuredFile
    ? `${measuredUnits.length} of ${Object.keys(p).length} units measured (\`${r.unitCosts.measuredFile}\`), the rest from \`bench/unit-costs.default.json\``
    : "no measurement: every unit is an estimate from `bench/unit-costs.default.json`";
  const costRow = (x: SimulationResult["costs"][number]) => {
    const m: Meter = PRICES[x.key];
    const shown = m.unit === "GB-month" ? gb(x.usage) : big(x.usage / (m.per / 1e6));
    return `| ${m.product} | ${m.item} | ${shown}${m.unit === "GB-month" ? "" : ` ${m.unit.replace(/^million /, "")}`} | ${usd(x.usd)} | ${usd(x.usd / (r.pageViews.total / 1e6))} |`;
  };
  const shardBlock = (title: string, days: number, s: ShardStats | undefined) =>
    s
      ? [
          `**${title}: ${int(days)} days, ${int(s.shards)} shards**, ${tb(s.total)} in all (placed by expected volume${s.oversize ? `; ${int(s.oversize)} partner(s) over the budget on a shard of their own` : ""}). Per shard, min / median / p90 / max:`,
          "",
          "| figure | min / median / p90 / max |",
          "|---|---|",
          `| storage added per month | ${range(s.growth, gb)} |`,
          `| storage once the window is full | ${range(s.steady, gb)} |`,
          `| D1 rows written per second at the daily peak | ${range(s.peakRowsPerSecond, int)} |`,
          `| same, at a billing-period start (every identity charged again) | ${range(s.periodStartRowsPerSecond, int)} |`,
          `| consumer write batches (D1 transactions) per second at the daily peak | ${range(s.peakBatchesPerSecond, (x) => dec(x, 1))} |`,
          "",
        ]
      : [`**${title}: ${int(days)} days**: no shard count up to 20 × the lower bound fits.`, ""];

  return [
    `Produced by \`${command}\` with seed ${c.seed}; ${source}. Prices looked up ${PRICES_LOOKED_UP}.`,
    "",
    "### Unit costs used",
    "",
    "| unit | figures | source |",
    "|---|---|---|",
    ...(Object.keys(units) as (keyof UnitCosts)[]).map(
      (k) =>
        `| ${k} | ${Object.entries(units[k])
          .map(([f, v]) => `${f} ${dec(v as number, Number.isInteger(v) ? 0 : 1)}`)
          .join(", ")} | ${provenanceOf(p[k].measuredFields, Object.keys(units[k]).length)} |`,
    ),
    "",
    "Per page view, per identification and per organization (from the units above):",
    "",
    "| what | bytes kept | D1 rows written |",
    "|---|---:|---:|",
    `| anonymous page view | ${dec(r.perUnit.anonymousRetainedBytesMedianOrg, 1)} (its share of the daily rollup, median organization); ${int(units.deviceDay.bytes)} per device for a day | ${dec(r.perUnit.anonymousRowsWritten, 1)} |`,
    `| identified page view | ${int(r.perUnit.identifiedBytes)} for the retention window | ${dec(r.perUnit.identifiedRowsWritten, 1)} (+ ${dec(units.identifiedEngagement.rowsWritten, 1)} per engagement hit) |`,
    `| identification (new visitor + receipt + ledger entry) | ${int(r.perUnit.identificationBytes)} | ${dec(r.perUnit.identificationRowsWritten, 1)} |`,
    `| organization | ${int(r.perUnit.organizationBytes)} fixed + ${int(r.perUnit.organizationDayBytes)} per active day | – |`,
    "",
    "### Traffic drawn",
    "",
    `${int(c.partners)} partners × ${int(c.organizationsPerPartner)} organizations = ${int(r.organizations)} organizations, **${big(r.pageViews.total)} page views a month**.`,
    "",
    "| page views per organization per month | median | p90 | p99 | max | organizations ≥ 1 million | at the 10 million cap |",
    "|---|---:|---:|---:|---:|---:|---:|",
    `| | ${int(r.pageViews.median)} | ${int(r.pageViews.p90)} | ${int(r.pageViews.p99)} | ${int(r.pageViews.max)} | ${int(r.pageViews.overMillion)} | ${int(r.pageViews.atCap)} |`,
    "",
    `Page views per partner per month, min / median / p90 / max: ${range(r.partnerPageViews, int)}.`,
    "",
    "### The month, whole platform",
    "",
    "| figure | value |",
    "|---|---:|",
    `| hits (page views + engagement) | ${big(r.month.hits)} |`,
    `| hits per queue message (${int(r.peak.collectors)} collectors gather ${dec(c.collectors.windowSeconds, 2)} s each, counted at the daily low) | ${dec(r.peak.hitsPerBundle, 1)} |`,
    `| queue messages | ${big(r.month.messages)} |`,
    `| queue operations (${r.month.queueOperationsPerMessage} per message: write, read, delete of one 64 KB unit; ${dec(c.queue.retryShare * 100, 0)} % of hits retried in a message of their own) | ${big(r.month.queueOperations)} |`,
    `| credits charged (identities × monthly periods) | ${big(r.month.charges)} |`,
    `| credit-counter calls (one per organization per batch holding a first identification) | ${big(r.month.counterCalls)} |`,
    `| requests to the edge (page views, engagement, ${dec(c.scriptLoadsPerPageView, 1)} script loads per page view) | ${big(r.month.edgeRequests)} |`,
    `| KV reads (a visit's location reads a key once per ${int(c.locationCacheSeconds)} s of it) | ${big(r.month.kvReads)} (${dec(r.month.kvReads / r.pageViews.total, 2)} per page view) |`,
    `| D1 rows written by the traffic | ${big(r.month.rowsWritten)} |`,
    ...(Object.keys(WRITE_KINDS) as WriteKind[]).map(
      (k) =>
        `| … by ${WRITE_KINDS[k]} | ${big(r.month.writes[k])} (${dec((100 * r.month.writes[k]) / (r.month.rowsWritten + r.month.sweepRowsWritten), 0)} %) |`,
    ),
    `| D1 rows written by the retention sweep (window full) | ${big(r.month.sweepRowsWritten)} (${dec((100 * r.month.sweepRowsWritten) / (r.month.rowsWritten + r.month.sweepRowsWritten), 0)} %) |`,
    `| storage added to D1 | ${tb(r.month.growthBytes)} |`,
    `| peak hits per second (× ${c.diurnalPeakFactor} daily peak) | ${int(r.peak.hitsPerSecond)} |`,
    `| peak queue messages per second (limit ${int(c.platform.queueMessagesPerSecond)} per queue) | ${int(r.peak.messagesPerSecond)} → **${r.peak.queuesNeeded} queue(s)** |`,
    `| consumer batches per second at peak (${c.queue.batchSize} messages each) | ${dec(r.peak.consumerBatchesPerSecond, 1)} |`,
    `| calls a second to each collector at peak (a Durable Object takes ~${int(c.platform.durableObjectRequestsPerSecond)}) | ${int(r.peak.collectorRequestsPerSecond)} |`,
    "",
    "### The busiest organization and its credit counter",
    "",
    "| figure | value |",
    "|---|---:|",
    `| page views a month | ${int(r.busiest.pageViews)} |`,
    `| charges per second at the daily peak, mid-period | ${dec(r.busiest.chargesPerSecondMidPeriod)} |`,
    `| charges per second at the daily peak, billing-period start (every identified view charges) | ${dec(r.busiest.chargesPerSecondPeriodStart)} |`,
    `| counter calls per second then (one per batch holding one) | ${dec(r.busiest.callsPerSecondPeriodStart)} |`,
    `| Durable Object requests per second then (calls + outbox alarm) | ${dec(r.busiest.requestsPerSecondPeriodStart)} of ~${int(c.platform.durableObjectRequestsPerSecond)} |`,
    `| monthly page views at which one organization's period start would reach ${int(c.platform.durableObjectRequestsPerSecond)} charges/s | ${big(r.busiest.pageViewsForLimit)} |`,
    "",
    "### Shards and retention",
    "",
    `Budget: ${gb(c.platform.shardBudgetBytes)} per tenant shard (half of D1's ${gb(c.platform.d1DatabaseBytes)}); a partner's organizations all live in its shard. "By volume": largest partner first onto the emptiest shard. "Blind": partner *p* on shard *p* mod *N*, as a placement that ignores volume would do. Partners over the budget on their own get a shard each and are counted in both.`,
    "",
    "| retention | D1 storage, all shards | largest partner | busiest organization | partners over the budget alone | shards, by volume | shards, blind |",
    "|---:|---:|---:|---:|---:|---:|---:|",
    ...r.retention.map(
      (x) =>
        `| ${int(x.days)} days | ${tb(x.totalBytes)}${x.totalBytes > c.platform.d1AccountBytes ? " (over the 1 TB account limit)" : ""} | ${gb(x.largestPartnerBytes)} | ${gb(x.largestOrganizationBytes)} | ${int(x.oversizePartners)} | ${x.shardsBySize === undefined ? "–" : int(x.shardsBySize)} | ${x.shardsBlind === undefined ? "–" : int(x.shardsBlind)} |`,
    ),
    "",
    `- Longest retention at which **every partner** fits in one shard: **${int(r.recommended.everyPartnerFits)} days**; at which the busiest **organization** fits on its own: ${int(r.recommended.everyOrganizationFits)} days.`,
    `- Partners that can keep the default ${int(c.retentionDays)} days within one shard: ${int(r.recommended.partnersKeepingDefault)} of ${int(c.partners)}. Longest retention each partner could keep alone, min / median / p90 / max: ${range(r.recommended.partnerRetention, (d) => `${int(d)} d`)}.`,
    "",
    `Page-view detail (page views and their sessions) kept shorter than the rest (visitors, receipts, ledger, rollups: ${int(c.retentionDays)} days):`,
    "",
    "| page-view detail | D1 storage, all shards | largest partner | busiest organization | partners over the budget alone | shards, by volume | longest whole window at which every partner fits |",
    "|---:|---:|---:|---:|---:|---:|---:|",
    ...r.detail.map(
      (x) =>
        `| ${int(x.detailDays)} days | ${tb(x.totalBytes)}${x.totalBytes > c.platform.d1AccountBytes ? " (over the 1 TB account limit)" : ""} | ${gb(x.largestPartnerBytes)} | ${gb(x.largestOrganizationBytes)} | ${int(x.oversizePartners)} | ${x.shardsBySize === undefined ? "–" : int(x.shardsBySize)} | ${int(x.everyPartnerFits)} days |`,
    ),
    "",
    `Storage once the ${int(c.retentionDays)}-day window is full, by kind: ${(
      Object.keys(STORAGE_KINDS) as StorageKind[]
    )
      .map(
        (k) =>
          `${STORAGE_KINDS[k]} ${tb(r.storageAtDefault[k])} (${dec((100 * r.storageAtDefault[k]) / sum(Object.values(r.storageAtDefault)), 0)} %)`,
      )
      .join("; ")}.`,
    "",
    `A partner fills a shard on its own at about ${r.partnerFillsShard.map((f) => `${big(f.pageViews)} page views a month with ${int(f.days)} days of retention`).join(", or ")}.`,
    "",
    "Largest partners at the default retention:",
    "",
    "| partner | page views a month | its largest organization | storage at " +
      int(c.retentionDays) +
      " days | longest retention that fits |",
    "|---:|---:|---:|---:|---:|",
    ...r.topPartners.map(
      (t) =>
        `| #${t.partner} | ${int(t.pageViews)} | ${int(t.largestOrganization)} | ${gb(t.steadyBytes)} | ${int(t.retentionThatFits)} days |`,
    ),
    "",
    ...shardBlock("At the default retention", c.retentionDays, r.shardsAtDefault),
    ...(r.recommended.days > 0 && r.recommended.days < c.retentionDays
      ? shardBlock("At the longest retention where every partner fits", r.recommended.days, r.shardsAtRecommended)
      : []),
    "### Cost per million page views (list prices, Workers Paid)",
    "",
    `Monthly usage of the whole platform at ${int(c.retentionDays)} days of retention (storage once the window is full), the monthly allowances of the plan subtracted once.`,
    "",
    "| product | item | usage a month | cost a month | per million page views |",
    "|---|---|---:|---:|---:|",
    ...r.costs.map(costRow),
    `| Workers Paid | plan | 1 account | ${usd(PLAN_USD_PER_MONTH)} | ${usd(PLAN_USD_PER_MONTH / (r.pageViews.total / 1e6))} |`,
    `| **total** | | | **${usd(r.costTotal)}** | **${usd(r.costPerMillion)}** |`,
    "",
    ...(r.costPerMillionAlone !== undefined
      ? [
          `With every hit alone in its consumer batch (a queue that every small organization shares: the \`hitAlone\` rows in`,
          `place of the profile's), the same month costs **${usd(r.costPerMillionAlone)}** per million page views.`,
          "",
        ]
      : []),
    "The same per million page views beside issue 21's starting point: the cost as published before its changes, and",
    "the same code priced from unit costs measured without counting a new visitor's and a charge's rows twice",
    "([What issue 21 changed](#what-issue-21-changed)):",
    "",
    ...costComparison(r),
    "",
    ...(r.storageCostAtRecommended !== undefined && r.recommended.days < c.retentionDays
      ? [
          `At ${int(r.recommended.days)} days of retention D1 storage would cost ${usd(r.storageCostAtRecommended)} a month instead (${usd(r.storageCostAtRecommended / (r.pageViews.total / 1e6))} per million page views).`,
          "",
        ]
      : []),
  ];
}

/**
 * Issue 21's starting point, per million page views, product by product (keys of PRICES): as published
 * before its changes (docs/scale.md at commit 761a2c3), and the same code priced from unit costs measured
 * without counting a new visitor's and a charge's rows twice or sweeping receipts (commit 05cd0b8). Same
 * traffic draw and prices as every run.
 */
const BEFORE: { label: string; perMillion: Record<keyof typeof PRICES, number>; total: number }[] = [
  {
    label: "before (published)",
    perMillion: {
      workersRequests: 0.72,
      workersCpuMs: 0.01,
      queueOperations: 2.41,
      d1RowsRead: 0,
      d1RowsWritten: 4.17,
      d1StorageBytes: 0.39,
      doRequests: 0.01,
      doGbSeconds: 0,
      doRowsWritten: 0.28,
      doStorageBytes: 0,
      kvReads: 1.2,
    },
    total: 9.21,
  },
  {
    label: "before, counted right",
    perMillion: {
      workersRequests: 0.72,
      workersCpuMs: 0.02,
      queueOperations: 2.41,
      d1RowsRead: 0.01,
      d1RowsWritten: 2.7,
      d1StorageBytes: 0.39,
      doRequests: 0.01,
      doGbSeconds: 0,
      doRowsWritten: 0.28,
      doStorageBytes: 0,
      kvReads: 1.2,
    },
    total: 7.73,
  },
];

/** This run's cost per million page views beside issue 21's starting point. */
export function costComparison(r: SimulationResult): string[] {
  const perMillion = (usdAMonth: number) => usdAMonth / (r.pageViews.total / 1e6);
  return [
    "| product | item | " + BEFORE.map((b) => b.label).join(" | ") + " | this run |",
    "|---|---|" + BEFORE.map(() => "---:|").join("") + "---:|",
    ...r.costs.map((x) => {
      const m: Meter = PRICES[x.key];
      return `| ${m.product} | ${m.item} | ${BEFORE.map((b) => usd(b.perMillion[x.key])).join(" | ")} | ${usd(perMillion(x.usd))} |`;
    }),
    `| **total** | | ${BEFORE.map((b) => `**${usd(b.total)}**`).join(" | ")} | **${usd(r.costPerMillion)}** |`,
  ];
}

/** The short section of BENCHMARKS.md: the headline figures and where the rest is. */
export function benchmarksSection(r: SimulationResult, command: string): string[] {
  const s = r.shardsAtRecommended ?? r.shardsAtDefault;
  const measured = Object.values(r.unitCosts.provenance).filter((x) => x.measuredFields.length > 0).length;
  return [
    "## Scale simulation",
    "",
    `\`bench/simulate.ts\` (run by \`${command}\`, or alone: \`node bench/simulate.ts\`) models ${int(r.config.partners)} partners × ${int(r.config.organizationsPerPartner)} organizations`,
    `with heavy-tailed traffic (${big(r.pageViews.total)} page views a month) from the per-unit costs in`,
    `${r.unitCosts.measuredFile ? `\`${r.unitCosts.measuredFile}\` (${measured} units measured) and the defaults` : "`bench/unit-costs.default.json` (estimates: no measurement in this run)"};`,
    "[docs/scale.md](docs/scale.md) explains the model and carries the full results. Headline:",
    "",
    "| figure | value |",
    "|---|---|",
    `| cost per million page views (list prices, ${int(r.config.retentionDays)}-day retention) | ${usd(r.costPerMillion)} (before issue 21: $9.21 as published, $7.73 counted right) |`,
    ...(r.costPerMillionAlone !== undefined
      ? [`| the same, every hit alone in its consumer batch | ${usd(r.costPerMillionAlone)} |`]
      : []),
    `| peak queue messages per second | ${int(r.peak.messagesPerSecond)} (${r.peak.queuesNeeded} queue(s) at ${int(r.config.platform.queueMessagesPerSecond)}/s) |`,
    `| busiest organization's counter at a period start | ${dec(r.busiest.requestsPerSecondPeriodStart)} requests/s |`,
    `| longest retention at which every partner fits one shard (${gb(r.config.platform.shardBudgetBytes)}) | ${int(r.recommended.everyPartnerFits)} days |`,
    ...(s
      ? [
          `| shards at ${int(r.shardsAtRecommended ? r.recommended.days : r.config.retentionDays)} days (placed by volume) | ${int(s.shards)}, fullest ${gb(s.steady.max)} |`,
        ]
      : []),
    "",
  ];
}
