/** What one simulation run finds (bench/scale/model.ts), as the reports read it. */
import type { SimulationConfig } from "./config.ts";
import type { WriteKind, StorageKind } from "./organizations.ts";
import type { PRICES, Usage } from "./prices.ts";
import type { LoadedUnitCosts } from "./unit-costs.ts";

export interface RetentionRow {
  days: number;
  totalBytes: number;
  largestPartnerBytes: number;
  largestOrganizationBytes: number;
  oversizePartners: number;
  shardsBySize: number | undefined;
  shardsBlind: number | undefined;
}

export interface DetailRow {
  detailDays: number;
  totalBytes: number;
  largestPartnerBytes: number;
  largestOrganizationBytes: number;
  oversizePartners: number;
  shardsBySize: number | undefined;
  everyPartnerFits: number;
}

export interface ShardStats {
  shards: number;
  oversize: number;
  /** Steady-state bytes of all shards. */
  total: number;
  growth: Quantiles;
  steady: Quantiles;
  peakRowsPerSecond: Quantiles;
  periodStartRowsPerSecond: Quantiles;
  /** D1 write transactions (consumer batches touching the shard) per second at peak. */
  peakBatchesPerSecond: Quantiles;
}

export interface Quantiles {
  min: number;
  median: number;
  p90: number;
  max: number;
}

export interface SimulationResult {
  /** The cost per million page views with every hit alone in its consumer batch (bench/simulate.ts). */
  costPerMillionAlone?: number;
  config: SimulationConfig;
  unitCosts: LoadedUnitCosts;
  organizations: number;
  pageViews: {
    total: number;
    median: number;
    p90: number;
    p99: number;
    max: number;
    overMillion: number;
    atCap: number;
  };
  partnerPageViews: Quantiles;
  perUnit: {
    anonymousRetainedBytesMedianOrg: number;
    anonymousRowsWritten: number;
    identifiedBytes: number;
    identifiedRowsWritten: number;
    identificationBytes: number;
    identificationRowsWritten: number;
    organizationBytes: number;
    organizationDayBytes: number;
  };
  month: {
    hits: number;
    messages: number;
    queueOperations: number;
    queueOperationsPerMessage: number;
    growthBytes: number;
    rowsWritten: number;
    writes: Record<WriteKind, number>;
    sweepRowsWritten: number;
    charges: number;
    counterCalls: number;
    /** Requests to the edge (page views, engagement, script loads), and the KV reads they cost. */
    edgeRequests: number;
    kvReads: number;
  };
  peak: {
    hitsPerSecond: number;
    messagesPerSecond: number;
    queuesNeeded: number;
    consumerBatchesPerSecond: number;
    /** Hits per queue message (bundled by the collectors, as at the daily low), collectors, and each one's calls a second at the peak. */
    hitsPerBundle: number;
    collectors: number;
    collectorRequestsPerSecond: number;
  };
  busiest: {
    pageViews: number;
    chargesPerSecondMidPeriod: number;
    chargesPerSecondPeriodStart: number;
    callsPerSecondPeriodStart: number;
    requestsPerSecondPeriodStart: number;
    pageViewsForLimit: number;
  };
  retention: RetentionRow[];
  detail: DetailRow[];
  recommended: {
    /** Longest retention at which every partner fits in one shard (whole days). */
    everyPartnerFits: number;
    /** Longest retention at which every organization fits in one shard. */
    everyOrganizationFits: number;
    /** The retention the shard figures are given for: the longest at which every partner fits. */
    days: number;
    partnersKeepingDefault: number;
    partnerRetention: Quantiles;
  };
  storageAtDefault: Record<StorageKind, number>;
  /** Monthly page views at which a partner alone fills the budget, at the default and at the recommended retention. */
  partnerFillsShard: { days: number; pageViews: number }[];
  shardsAtDefault: ShardStats | undefined;
  shardsAtRecommended: ShardStats | undefined;
  topPartners: {
    partner: number;
    pageViews: number;
    steadyBytes: number;
    largestOrganization: number;
    retentionThatFits: number;
  }[];
  usage: Usage;
  costs: { key: keyof typeof PRICES; usage: number; usd: number }[];
  costTotal: number;
  costPerMillion: number;
  storageCostAtRecommended: number | undefined;
}

export function quantiles(xs: number[]): Quantiles {
  const s = [...xs].sort((a, b) => a - b);
  const q = (f: number) => s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
  return { min: s[0]!, median: q(0.5), p90: q(0.9), max: s.at(-1)! };
}
