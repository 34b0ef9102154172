/** Cloudflare's list prices (Workers Paid), each with its page; docs/scale.md cites them. */

export interface Meter {
  product: string;
  item: string;
  /** US dollars per `per` units above the monthly allowance. */
  usd: number;
  per: number;
  unit: string;
  includedPerMonth: number;
  source: string;
}

const DOCS = "https://developers.cloudflare.com";
export const PRICES_LOOKED_UP = "2026-11-29";
export const PLAN_USD_PER_MONTH = 5;

export const PRICES = {
  workersRequests: {
    product: "Workers",
    item: "requests",
    usd: 0.3,
    per: 1e6,
    unit: "million requests",
    includedPerMonth: 10e6,
    source: `${DOCS}/workers/platform/pricing/`,
  },
  workersCpuMs: {
    product: "Workers",
    item: "CPU time",
    usd: 0.02,
    per: 1e6,
    unit: "million CPU ms",
    includedPerMonth: 30e6,
    source: `${DOCS}/workers/platform/pricing/`,
  },
  queueOperations: {
    product: "Queues",
    item: "operations",
    usd: 0.4,
    per: 1e6,
    unit: "million operations",
    includedPerMonth: 1e6,
    source: `${DOCS}/queues/platform/pricing/`,
  },
  d1RowsRead: {
    product: "D1",
    item: "rows read",
    usd: 0.001,
    per: 1e6,
    unit: "million rows",
    includedPerMonth: 25e9,
    source: `${DOCS}/d1/platform/pricing/`,
  },
  d1RowsWritten: {
    product: "D1",
    item: "rows written",
    usd: 1,
    per: 1e6,
    unit: "million rows",
    includedPerMonth: 50e6,
    source: `${DOCS}/d1/platform/pricing/`,
  },
  d1StorageBytes: {
    product: "D1",
    item: "storage",
    usd: 0.75,
    per: 1e9,
    unit: "GB-month",
    includedPerMonth: 5e9,
    source: `${DOCS}/d1/platform/pricing/`,
  },
  doRequests: {
    product: "Durable Objects",
    item: "requests",
    usd: 0.15,
    per: 1e6,
    unit: "million requests",
    includedPerMonth: 1e6,
    source: `${DOCS}/durable-objects/platform/pricing/`,
  },
  doGbSeconds: {
    product: "Durable Objects",
    item: "duration",
    usd: 12.5,
    per: 1e6,
    unit: "million GB-s",
    includedPerMonth: 400_000,
    source: `${DOCS}/durable-objects/platform/pricing/`,
  },
  doRowsWritten: {
    product: "Durable Objects",
    item: "SQLite rows written",
    usd: 1,
    per: 1e6,
    unit: "million rows",
    includedPerMonth: 50e6,
    source: `${DOCS}/durable-objects/platform/pricing/`,
  },
  doStorageBytes: {
    product: "Durable Objects",
    item: "SQLite storage",
    usd: 0.2,
    per: 1e9,
    unit: "GB-month",
    includedPerMonth: 5e9,
    source: `${DOCS}/durable-objects/platform/pricing/`,
  },
  kvReads: {
    product: "KV",
    item: "reads",
    usd: 0.5,
    per: 1e6,
    unit: "million reads",
    includedPerMonth: 10e6,
    source: `${DOCS}/kv/platform/pricing/`,
  },
} satisfies Record<string, Meter>;

export type Usage = Record<keyof typeof PRICES, number>;
