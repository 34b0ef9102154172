/**
 * Scale simulation: 1,000 partners × 100 organizations with a heavy-tailed traffic mix, priced at
 * Cloudflare's list prices. Pure arithmetic over a seeded draw: the same inputs give the same result.
 */
import type { SimulationConfig } from "./config.ts";
import {
  drawPageViews,
  type OrganizationMonth,
  organizationMonth,
  steadyBytes,
  steadyParts,
  STORAGE_KINDS,
  type StorageKind,
  sum,
  WRITE_KINDS,
  type WriteKind,
} from "./organizations.ts";
import { type Meter, PLAN_USD_PER_MONTH, PRICES, type Usage } from "./prices.ts";
import { type DetailRow, quantiles, type RetentionRow, type ShardStats, type SimulationResult } from "./result.ts";
import { fewestShards, longestRetention, placeBlind, placeBySize } from "./shards.ts";
import type { LoadedUnitCosts } from "./unit-costs.ts";

export function simulate(config: SimulationConfig, unitCosts: LoadedUnitCosts): SimulationResult {
  const u = unitCosts.units;
  const c = config;
  const secondsPerMonth = c.daysPerMonth * 86_400;
  const views = drawPageViews(c);
  const orgs = Array.from(views, (pv) => organizationMonth(pv, c, u));
  const partnerOrgs = (p: number) => orgs.slice(p * c.organizationsPerPartner, (p + 1) * c.organizationsPerPartner);
  const partners = Array.from({ length: c.partners }, (_, p) => partnerOrgs(p));
  const budget = c.platform.shardBudgetBytes;

  // ------------------------------------------------ the whole platform's month
  const totalPageViews = sum(orgs.map((o) => o.pageViews));
  const hits = sum(orgs.map((o) => o.hits));
  // The edge hands each hit to a collector, which puts the hits it gets in `windowSeconds` in one queue
  // message (worker/collect/hit-collector.ts). Bundles are counted as at the daily low (a third of the
  // average rate), when they are smallest: the cost of the queue is an upper bound.
  const sent = hits * u.hit.messagesPerHit;
  const collectors = c.collectors.perQueue * c.collectors.queues;
  const lowPerCollector = sent / secondsPerMonth / collectors / c.diurnalPeakFactor;
  const hitsPerBundle = Math.max(
    1,
    Math.min(
      c.collectors.maxHits,
      Math.floor(c.collectors.maxBytes / u.hit.queueMessageBytes),
      1 + lowPerCollector * c.collectors.windowSeconds,
    ),
  );
  const messages = sent / hitsPerBundle;
  const queueOperationsPerMessage =
    3 *
    Math.ceil(
      (hitsPerBundle * u.hit.queueMessageBytes + c.platform.queueMessageMetadataBytes) / c.platform.queueOperationBytes,
    );
  // A hit to retry goes back in a bundle of its own (worker/collect/bundles.ts): counted as its own message.
  const queueOperations = messages * queueOperationsPerMessage + sent * c.queue.retryShare * 3;
  const charges = sum(orgs.map((o) => o.identities));
  // A consumer batch holds `batchSize` queue messages, so `hitsPerBatch` hits.
  const hitsPerBatch = c.queue.batchSize * hitsPerBundle;
  const averageBatchesPerSecond = sent / secondsPerMonth / hitsPerBatch;
  // Batches per second holding at least one of `ratePerSecond` hits among `hitsPerSecond` in all.
  // One counter call per organization per batch that holds at least one of its first identifications.
  const batchesHolding = (ratePerSecond: number, batchesPerSecond: number, hitsPerSecond: number) =>
    batchesPerSecond * -Math.expm1(hitsPerBatch * Math.log1p(-Math.min(1, ratePerSecond / hitsPerSecond)));
  const counterCalls = sum(
    orgs.map(
      (o) =>
        batchesHolding(o.identities / secondsPerMonth, averageBatchesPerSecond, sent / secondsPerMonth) *
        secondsPerMonth,
    ),
  );

  // ------------------------------------------------ peaks
  const peak = c.diurnalPeakFactor;
  const peakSentPerSecond = (sent / secondsPerMonth) * peak;
  const peakMessagesPerSecond = peakSentPerSecond / hitsPerBundle;
  const peakBatchesPerSecond = peakSentPerSecond / hitsPerBatch;
  const busiestOrg = orgs.reduce((a, b) => (b.pageViews > a.pageViews ? b : a));
  const busiestIdentifiedPerSecond = (busiestOrg.identifiedPageViews / secondsPerMonth) * peak;
  // At the start of a billing period every identity is charged again: every identified page view charges.
  const busiestCallsPerSecond = batchesHolding(busiestIdentifiedPerSecond, peakBatchesPerSecond, peakSentPerSecond);

  // ------------------------------------------------ storage and shards at each retention
  const partnerBytesAt = (days: number) => partners.map((os) => sum(os.map((o) => steadyBytes(o, days, c, u))));
  const retention: RetentionRow[] = c.retentionCandidates.map((days) => {
    const partnerBytes = partnerBytesAt(days);
    const bySize = fewestShards(partnerBytes, budget, placeBySize);
    const blind = fewestShards(partnerBytes, budget, placeBlind);
    return {
      days,
      totalBytes: sum(partnerBytes),
      largestPartnerBytes: Math.max(...partnerBytes),
      largestOrganizationBytes: steadyBytes(busiestOrg, days, c, u),
      oversizePartners: partnerBytes.filter((b) => b >= budget).length,
      shardsBySize: bySize?.shards,
      shardsBlind: blind?.shards,
    };
  });
  const maxDays = Math.max(c.retentionDays, ...c.retentionCandidates);
  const detail: DetailRow[] = c.detailRetentionCandidates.map((detailDays) => {
    const partnerBytes = partners.map((os) => sum(os.map((o) => steadyBytes(o, c.retentionDays, c, u, detailDays))));
    return {
      detailDays,
      totalBytes: sum(partnerBytes),
      largestPartnerBytes: Math.max(...partnerBytes),
      largestOrganizationBytes: steadyBytes(busiestOrg, c.retentionDays, c, u, detailDays),
      oversizePartners: partnerBytes.filter((b) => b >= budget).length,
      shardsBySize: fewestShards(partnerBytes, budget, placeBySize)?.shards,
      // The longest whole window for everything else, page-view detail still capped at detailDays.
      everyPartnerFits: Math.min(
        ...partners.map((os) =>
          longestRetention((d) => sum(os.map((o) => steadyBytes(o, d, c, u, detailDays))), budget, maxDays),
        ),
      ),
    };
  });
  const partnerRetention = partners.map((os) =>
    longestRetention((d) => sum(os.map((o) => steadyBytes(o, d, c, u))), budget, maxDays),
  );
  const everyPartnerFits = Math.min(...partnerRetention);
  const everyOrganizationFits = longestRetention((d) => steadyBytes(busiestOrg, d, c, u), budget, maxDays);

  const shardStats = (days: number): ShardStats | undefined => {
    const placement = fewestShards(partnerBytesAt(days), budget, placeBySize);
    if (!placement) return undefined;
    const perShard = (f: (o: OrganizationMonth) => number) => {
      const out = new Array<number>(placement.shards).fill(0);
      partners.forEach((os, p) => (out[placement.shardOf[p]!]! += sum(os.map(f))));
      return out;
    };
    const rowsPerSecond = (o: OrganizationMonth) => (o.rowsWritten / secondsPerMonth) * peak;
    const chargeRowsPerSecond = (o: OrganizationMonth) =>
      (o.identifiedPageViews / secondsPerMonth) * peak * u.charge.rowsWritten;
    const shardMessagesPerSecond = perShard((o) => (o.hits * u.hit.messagesPerHit * peak) / secondsPerMonth);
    return {
      shards: placement.shards,
      oversize: placement.oversize.length,
      total: sum(placement.bytes),
      growth: quantiles(perShard((o) => o.growthBytes)),
      steady: quantiles(placement.bytes),
      peakRowsPerSecond: quantiles(perShard(rowsPerSecond)),
      periodStartRowsPerSecond: quantiles(perShard((o) => rowsPerSecond(o) + chargeRowsPerSecond(o))),
      peakBatchesPerSecond: quantiles(
        shardMessagesPerSecond.map((m) => batchesHolding(m, peakBatchesPerSecond, peakSentPerSecond)),
      ),
    };
  };

  // ------------------------------------------------ KV reads: a location reads a key once per its cache's time
  // A visit's requests reach one location, which reads the record from KV on the first and keeps it
  // `locationCacheSeconds`: a visit costs 1 + its length ÷ that many reads, and never more than its requests.
  const edgeRequestsPerPageView = 1 + c.engagementHitsPerPageView + c.scriptLoadsPerPageView;
  const readsPerVisit = 1 + (c.pageViewsPerDevicePerDay * c.secondsPerPageView) / c.locationCacheSeconds;
  const kvLookups = sum(
    orgs.map((o) => Math.min(o.pageViews * edgeRequestsPerPageView, o.devicesPerDay * c.daysPerMonth * readsPerVisit)),
  );

  // ------------------------------------------------ usage and cost at the default retention
  const steadyAtDefault = sum(orgs.map((o) => steadyBytes(o, c.retentionDays, c, u)));
  const usage: Usage = {
    workersRequests: totalPageViews * edgeRequestsPerPageView + messages / c.queue.batchSize,
    workersCpuMs: hits * u.hit.edgeCpuMs + messages * u.hit.consumerCpuMs,
    queueOperations,
    d1RowsRead: sum(orgs.map((o) => o.rowsRead)),
    d1RowsWritten: sum(orgs.map((o) => o.rowsWritten + o.sweepRowsWritten)),
    d1StorageBytes: steadyAtDefault,
    // Counter calls (and their alarms), and one collector call per hit.
    doRequests: counterCalls * u.counterCall.requests + sent,
    // Counters while active; collectors active the whole month (a busy one never idles).
    doGbSeconds:
      (counterCalls * u.counterCall.requests * (u.counterCall.wallMs / 1000) + collectors * secondsPerMonth) *
      c.platform.durableObjectMemoryGb,
    doRowsWritten: charges * u.charge.counterRowsWritten + counterCalls,
    doStorageBytes: charges * u.charge.counterBytes + orgs.length * c.platform.emptyDurableObjectBytes,
    kvReads: kvLookups * u.hit.kvReads,
  };
  const cost = (key: keyof typeof PRICES, amount: number) => {
    const m: Meter = PRICES[key];
    return (Math.max(0, amount - m.includedPerMonth) / m.per) * m.usd;
  };
  const costs = (Object.keys(PRICES) as (keyof typeof PRICES)[]).map((key) => ({
    key,
    usage: usage[key],
    usd: cost(key, usage[key]),
  }));
  const costTotal = PLAN_USD_PER_MONTH + sum(costs.map((x) => x.usd));

  const sortedViews = Float64Array.from(views).sort();
  const at = (q: number) => sortedViews[Math.min(sortedViews.length - 1, Math.floor(q * sortedViews.length))]!;
  const partnerViews = partners.map((os) => sum(os.map((o) => o.pageViews)));
  const defaultPartnerBytes = partnerBytesAt(c.retentionDays);
  const medianOrg = organizationMonth(at(0.5), c, u);

  return {
    config: c,
    unitCosts,
    organizations: orgs.length,
    pageViews: {
      total: totalPageViews,
      median: at(0.5),
      p90: at(0.9),
      p99: at(0.99),
      max: sortedViews.at(-1)!,
      overMillion: orgs.filter((o) => o.pageViews >= 1e6).length,
      atCap: orgs.filter((o) => o.pageViews >= c.pageViews.tail.max).length,
    },
    partnerPageViews: quantiles(partnerViews),
    perUnit: {
      anonymousRetainedBytesMedianOrg:
        (medianOrg.activeDays * u.organizationDay.bytes) / (medianOrg.pageViews - medianOrg.identifiedPageViews),
      anonymousRowsWritten: u.anonymousPageView.rowsWritten + u.deviceDay.rowsWritten / c.pageViewsPerDevicePerDay,
      identifiedBytes: u.identifiedPageView.bytes,
      identifiedRowsWritten: u.identifiedPageView.rowsWritten + u.deviceDay.rowsWritten / c.pageViewsPerDevicePerDay,
      identificationBytes: u.visitor.bytes + u.charge.bytes,
      identificationRowsWritten: u.visitor.rowsWritten + u.charge.rowsWritten,
      organizationBytes: u.organization.bytes,
      organizationDayBytes: u.organizationDay.bytes,
    },
    month: {
      hits,
      messages,
      queueOperations,
      queueOperationsPerMessage,
      growthBytes: sum(orgs.map((o) => o.growthBytes)),
      rowsWritten: sum(orgs.map((o) => o.rowsWritten)),
      writes: Object.fromEntries(
        (Object.keys(WRITE_KINDS) as WriteKind[]).map((k) => [k, sum(orgs.map((o) => o.writes[k]))]),
      ) as Record<WriteKind, number>,
      sweepRowsWritten: sum(orgs.map((o) => o.sweepRowsWritten)),
      charges,
      counterCalls,
      edgeRequests: totalPageViews * edgeRequestsPerPageView,
      kvReads: kvLookups * u.hit.kvReads,
    },
    peak: {
      hitsPerSecond: (hits / secondsPerMonth) * peak,
      messagesPerSecond: peakMessagesPerSecond,
      queuesNeeded: Math.ceil(peakMessagesPerSecond / c.platform.queueMessagesPerSecond),
      consumerBatchesPerSecond: peakBatchesPerSecond,
      hitsPerBundle,
      collectors,
      collectorRequestsPerSecond: peakSentPerSecond / collectors,
    },
    busiest: {
      pageViews: busiestOrg.pageViews,
      chargesPerSecondMidPeriod: (busiestOrg.identities / secondsPerMonth) * peak,
      chargesPerSecondPeriodStart: busiestIdentifiedPerSecond,
      callsPerSecondPeriodStart: busiestCallsPerSecond,
      // Each call, plus the outbox alarm: at most one a second however busy the object is.
      requestsPerSecondPeriodStart: busiestCallsPerSecond + Math.min(1, busiestCallsPerSecond),
      pageViewsForLimit: (c.platform.durableObjectRequestsPerSecond * secondsPerMonth) / (c.identifiedShare * peak),
    },
    retention,
    detail,
    recommended: {
      everyPartnerFits,
      everyOrganizationFits,
      days: everyPartnerFits,
      partnersKeepingDefault: partnerRetention.filter((d) => d >= c.retentionDays).length,
      partnerRetention: quantiles(partnerRetention),
    },
    storageAtDefault: Object.fromEntries(
      (Object.keys(STORAGE_KINDS) as StorageKind[]).map((k) => [
        k,
        sum(orgs.map((o) => steadyParts(o, c.retentionDays, c, u, c.retentionDays)[k])),
      ]),
    ) as Record<StorageKind, number>,
    // Storage grows about linearly with page views: a million-view organization gives the slope.
    partnerFillsShard: [c.retentionDays, ...(everyPartnerFits > 0 ? [everyPartnerFits] : [])].map((days) => ({
      days,
      pageViews: budget / (steadyBytes(organizationMonth(1e6, c, u), days, c, u) / 1e6),
    })),
    shardsAtDefault: shardStats(c.retentionDays),
    shardsAtRecommended: everyPartnerFits > 0 ? shardStats(everyPartnerFits) : undefined,
    topPartners: defaultPartnerBytes
      .map((b, p) => ({ b, p }))
      .sort((a, b) => b.b - a.b || a.p - b.p)
      .slice(0, 5)
      .map(({ b, p }) => ({
        partner: p,
        pageViews: partnerViews[p]!,
        steadyBytes: b,
        largestOrganization: Math.max(...partners[p]!.map((o) => o.pageViews)),
        retentionThatFits: partnerRetention[p]!,
      })),
    usage,
    costs,
    costTotal,
    costPerMillion: costTotal / (totalPageViews / 1e6),
    storageCostAtRecommended:
      everyPartnerFits > 0
        ? cost("d1StorageBytes", sum(orgs.map((o) => steadyBytes(o, everyPartnerFits, c, u))))
        : undefined,
  };
}
