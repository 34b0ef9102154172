/** The simulation's assumptions: every one in CONFIG (docs/scale.md, "Assumptions", says why each). */

export interface SimulationConfig {
  seed: number;
  partners: number;
  organizationsPerPartner: number;
  /**
   * Page views per organization per month: a mixture. With probability `body.share` a lognormal
   * (median, sigma of the logarithm); otherwise a Pareto tail from `tail.min` with exponent `tail.alpha`,
   * capped at `tail.max`. Organizations are drawn independently and dealt to partners in order.
   */
  pageViews: {
    body: { share: number; median: number; sigma: number };
    tail: { min: number; alpha: number; max: number };
  };
  /** Share of page views whose visitor is identified (B2B: the address belongs to an imported company). */
  identifiedShare: number;
  /** Identified page views per identity per month: distinct identities = identified page views ÷ this. */
  identifiedPageViewsPerIdentity: number;
  /** Share of a month's identities that have no visitor row yet in the organization. */
  newIdentityShare: number;
  /** Page views per device per organization per day (devices per day = page views per day ÷ this). */
  pageViewsPerDevicePerDay: number;
  /** Engagement hits per page view (the pixel sends one when the page is hidden). */
  engagementHitsPerPageView: number;
  /** Script requests (`GET /s/{key}.js`, cached 300 s by the browser) per page view. */
  scriptLoadsPerPageView: number;
  /**
   * Seconds from a page view to the next one or to leaving: a visit (a device's page views of a day) lasts
   * `pageViewsPerDevicePerDay` × this, and all its requests reach one Cloudflare location.
   */
  secondsPerPageView: number;
  /** How long a location keeps a pixel record it read from KV (LOCATION_TTL_SECONDS, worker/pixel-config/record.ts). */
  locationCacheSeconds: number;
  /** Busiest hour's rate ÷ the month's average rate, applied to every organization at once. */
  diurnalPeakFactor: number;
  daysPerMonth: number;
  /** Billing periods are monthly: every identity is charged once per month. */
  retentionDays: number;
  /** Retentions tried when looking for the longest one that fits. */
  retentionCandidates: number[];
  /** Shorter windows tried for page-view detail (page views, sessions) while the rest keeps `retentionDays`. */
  detailRetentionCandidates: number[];
  /** Consumer batches (queue messages each, `max_batch_size` of the hit queues); hits retried once. */
  queue: { batchSize: number; retryShare: number };
  /**
   * The edge's hit collectors (worker/collect/hit-collector.ts, collectors.ts): per hit queue, the hit queues
   * deployed, how long a bundle stays open, and its limits.
   */
  collectors: { perQueue: number; queues: number; windowSeconds: number; maxHits: number; maxBytes: number };
  /** Platform facts (limits and billing rules), not choices; docs/scale.md cites them. */
  platform: {
    shardBudgetBytes: number;
    d1DatabaseBytes: number;
    d1AccountBytes: number;
    queueMessagesPerSecond: number;
    queueOperationBytes: number;
    queueMessageMetadataBytes: number;
    durableObjectRequestsPerSecond: number;
    durableObjectMemoryGb: number;
    emptyDurableObjectBytes: number;
  };
}

export const CONFIG: SimulationConfig = {
  seed: 20261129,
  partners: 1_000,
  organizationsPerPartner: 100,
  pageViews: {
    body: { share: 0.97, median: 10_000, sigma: 0.75 },
    tail: { min: 100_000, alpha: 1.1, max: 10_000_000 },
  },
  identifiedShare: 0.3,
  identifiedPageViewsPerIdentity: 8,
  newIdentityShare: 0.5,
  pageViewsPerDevicePerDay: 2.5,
  engagementHitsPerPageView: 1,
  scriptLoadsPerPageView: 0.4,
  secondsPerPageView: 75,
  locationCacheSeconds: 240,
  diurnalPeakFactor: 3,
  daysPerMonth: 30.44,
  retentionDays: 400,
  retentionCandidates: [400, 365, 180, 90, 60, 30],
  detailRetentionCandidates: [90, 30],
  queue: { batchSize: 10, retryShare: 0.01 },
  collectors: { perQueue: 8, queues: 2, windowSeconds: 0.25, maxHits: 100, maxBytes: 60_000 },
  platform: {
    shardBudgetBytes: 5e9, // half of D1's 10 GB per database
    d1DatabaseBytes: 10e9,
    d1AccountBytes: 1e12,
    queueMessagesPerSecond: 5_000,
    queueOperationBytes: 64_000, // an operation per 64 KB (1 KB = 1,000 bytes) written, read or deleted
    queueMessageMetadataBytes: 100,
    durableObjectRequestsPerSecond: 1_000, // soft: simple requests; fewer with real work
    durableObjectMemoryGb: 0.128, // duration is billed for 128 MB whatever is used
    emptyDurableObjectBytes: 12_000,
  },
};
