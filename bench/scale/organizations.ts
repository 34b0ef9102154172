/** The traffic draw, and what one organization's month of it writes and keeps. */
import { random } from "../random.ts";
import type { SimulationConfig } from "./config.ts";
import type { UnitCosts } from "./unit-costs.ts";

export const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

/** Monthly page views of every organization, partner by partner (organization i belongs to partner ⌊i / perPartner⌋). */
export function drawPageViews(config: SimulationConfig): Float64Array {
  const next = random(config.seed);
  const uniform = () => (next() + 1e-12) / (1 + 2e-12); // never 0 or 1
  const { body, tail } = config.pageViews;
  const views = new Float64Array(config.partners * config.organizationsPerPartner);
  for (let i = 0; i < views.length; i++) {
    if (next() < body.share) {
      const z = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * next()); // Box–Muller
      views[i] = Math.round(body.median * Math.exp(body.sigma * z));
    } else {
      views[i] = Math.round(Math.min(tail.max, tail.min / Math.pow(uniform(), 1 / tail.alpha)));
    }
  }
  return views;
}

// ---------------------------------------------------------------- one organization's month

export interface OrganizationMonth {
  pageViews: number;
  hits: number;
  identifiedPageViews: number;
  identities: number;
  newVisitors: number;
  devicesPerDay: number;
  activeDays: number;
  /** Bytes retained per month of traffic (before retention removes anything). */
  growthBytes: number;
  /** Rows written by the month's traffic, by what writes them (the retention sweep is separate). */
  writes: Record<WriteKind, number>;
  rowsWritten: number;
  /** Rows written by the retention sweep, once the window is full (it deletes a month's worth a month). */
  sweepRowsWritten: number;
  rowsRead: number;
}

export const WRITE_KINDS = {
  anonymousRollups: "daily rollups of anonymous page views",
  deviceRows: "the cron removing per-device-per-day rows (their insert is the page view's)",
  identifiedPageViews: "identified page views (rollups, page view, session, visitor totals)",
  engagement: "engagement hits",
  visitors: "new visitors",
  charges: "charges (receipt + ledger entry)",
};
export type WriteKind = keyof typeof WRITE_KINDS;

export function organizationMonth(pageViews: number, c: SimulationConfig, u: UnitCosts): OrganizationMonth {
  const identifiedPageViews = pageViews * c.identifiedShare;
  const anonymousPageViews = pageViews - identifiedPageViews;
  const engagement = pageViews * c.engagementHitsPerPageView;
  const identities = identifiedPageViews / c.identifiedPageViewsPerIdentity;
  const newVisitors = identities * c.newIdentityShare;
  const devicesPerDay = pageViews / c.daysPerMonth / c.pageViewsPerDevicePerDay;
  // Expected days with at least one page view (a Poisson day): each keeps one rollup.
  const activeDays = c.daysPerMonth * -Math.expm1(-pageViews / c.daysPerMonth);
  const writes: Record<WriteKind, number> = {
    anonymousRollups: anonymousPageViews * u.anonymousPageView.rowsWritten,
    deviceRows: devicesPerDay * c.daysPerMonth * u.deviceDay.rowsWritten,
    identifiedPageViews: identifiedPageViews * u.identifiedPageView.rowsWritten,
    engagement:
      engagement * c.identifiedShare * u.identifiedEngagement.rowsWritten +
      engagement * (1 - c.identifiedShare) * u.anonymousEngagement.rowsWritten,
    visitors: newVisitors * u.visitor.rowsWritten,
    charges: identities * u.charge.rowsWritten,
  };
  return {
    pageViews,
    hits: pageViews + engagement,
    identifiedPageViews,
    identities,
    newVisitors,
    devicesPerDay,
    activeDays,
    growthBytes:
      identifiedPageViews * u.identifiedPageView.bytes +
      newVisitors * u.visitor.bytes +
      identities * u.charge.bytes +
      activeDays * u.organizationDay.bytes,
    writes,
    rowsWritten: sum(Object.values(writes)),
    sweepRowsWritten:
      identifiedPageViews * u.identifiedPageView.deleteRowsWritten +
      newVisitors * u.visitor.deleteRowsWritten +
      identities * u.charge.deleteRowsWritten +
      activeDays * u.organizationDay.deleteRowsWritten,
    rowsRead:
      pageViews * u.hit.catalogRowsRead +
      anonymousPageViews * u.anonymousPageView.rowsRead +
      identifiedPageViews * u.identifiedPageView.rowsRead +
      engagement * c.identifiedShare * u.identifiedEngagement.rowsRead +
      engagement * (1 - c.identifiedShare) * u.anonymousEngagement.rowsRead +
      identities * u.charge.rowsRead,
  };
}

/**
 * What an organization keeps in its shard once the retention window is full; page-view detail (page views
 * and their sessions) may be kept for a shorter `detailDays`.
 */
export function steadyBytes(
  o: OrganizationMonth,
  retentionDays: number,
  c: SimulationConfig,
  u: UnitCosts,
  detailDays = retentionDays,
): number {
  return sum(Object.values(steadyParts(o, retentionDays, c, u, detailDays)));
}

export const STORAGE_KINDS = {
  pageViews: "identified page views and their sessions",
  visitors: "visitors",
  charges: "receipts and ledger entries",
  rollups: "daily rollups",
  fixed: "organizations' fixed rows and the day's device rows",
};
export type StorageKind = keyof typeof STORAGE_KINDS;

export function steadyParts(
  o: OrganizationMonth,
  retentionDays: number,
  c: SimulationConfig,
  u: UnitCosts,
  detailDays: number,
): Record<StorageKind, number> {
  const months = retentionDays / c.daysPerMonth;
  // Visitors seen within the window: this month's identities, plus the new ones of earlier months.
  const visitors = o.identities * Math.min(1, months) + o.newVisitors * Math.max(0, months - 1);
  return {
    pageViews:
      o.identifiedPageViews * (Math.min(detailDays, retentionDays) / c.daysPerMonth) * u.identifiedPageView.bytes,
    visitors: visitors * u.visitor.bytes,
    charges: o.identities * months * u.charge.bytes,
    rollups: o.activeDays * months * u.organizationDay.bytes,
    // Today's device rows and yesterday's until they are deleted.
    fixed: u.organization.bytes + 2 * o.devicesPerDay * u.deviceDay.bytes,
  };
}
