import { availableOf, periodLimit } from "./balance";
import type { Charges } from "./charges";
import type { ErasedForms } from "./erasure";
import type { Periods } from "./periods";
import type { Stored } from "./settings";
import type { ChargeRequest } from "./types";

/** The counter charges while its organization is active and no hold waits for D1. */
export const chargeable = (config: Stored): boolean => config.active && config.heldAt === null;

/**
 * Times of the requests that may take a credit, for the leases to cover: new identities of open
 * periods, as many per period as it can still spend (a period not opened yet: its allocation).
 * `spare`: what the period of the latest of them can spend beyond, the most headroom worth leasing.
 */
export function creditsWanted(
  requests: ChargeRequest[],
  erased: ErasedForms,
  config: Stored,
  periods: Periods,
  charges: Charges,
): { ats: number[]; spare: number } {
  if (!chargeable(config)) return { ats: [], spare: 0 };
  const counted = new Set<string>();
  const left = new Map<number, number>();
  const ats: number[] = [];
  let latest: { at: number; period: number } | null = null;
  for (const r of requests) {
    if (r.identity === null || charges.decided(r.eventId)) continue;
    const period = periods.existingPeriod(r.at);
    const start = period?.start ?? periods.newPeriodAt(r.at).start;
    const key = `${start}|${r.identity}`;
    if (counted.has(key) || period?.closed_at != null) continue;
    counted.add(key);
    if (charges.has(start, r.identity, erased)) continue;
    const spendable = left.get(start) ?? (period ? availableOf(period) : (periodLimit(config) ?? 0));
    if (spendable <= 0) continue;
    left.set(start, spendable - 1);
    ats.push(r.at);
    if (!latest || r.at >= latest.at) latest = { at: r.at, period: start };
  }
  return { ats, spare: latest ? left.get(latest.period)! : 0 };
}
