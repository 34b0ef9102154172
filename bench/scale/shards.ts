/** Placing partners on tenant shards under a byte budget, and the longest retention that fits one. */
import { sum } from "./organizations.ts";

interface Placement {
  shards: number;
  /** Steady-state bytes per shard. */
  bytes: number[];
  /** Partners that exceed the budget on their own (each given a shard of its own, still over). */
  oversize: number[];
  /** Shard of each partner. */
  shardOf: number[];
}

/** Largest partner first onto the emptiest shard (placement by expected volume). */
export function placeBySize(partnerBytes: number[], shards: number): number[] {
  const order = partnerBytes.map((_, p) => p).sort((a, b) => partnerBytes[b]! - partnerBytes[a]! || a - b);
  const bytes = new Array<number>(shards).fill(0);
  const shardOf = new Array<number>(partnerBytes.length);
  for (const p of order) {
    let best = 0;
    for (let s = 1; s < shards; s++) if (bytes[s]! < bytes[best]!) best = s;
    bytes[best]! += partnerBytes[p]!;
    shardOf[p] = best;
  }
  return shardOf;
}

/** Partner p on shard p mod N: placement blind to volume (partners are in random order). */
export function placeBlind(partnerBytes: number[], shards: number): number[] {
  return partnerBytes.map((_, p) => p % shards);
}

function shardBytes(partnerBytes: number[], shardOf: number[], shards: number): number[] {
  const bytes = new Array<number>(shards).fill(0);
  partnerBytes.forEach((b, p) => (bytes[shardOf[p]!]! += b));
  return bytes;
}

/**
 * The fewest shards that keep every shard under the budget. Partners over the budget on their own get a
 * shard each (and stay over: reported); the others are placed by `place`. Undefined if not found within 20×
 * the lower bound.
 */
export function fewestShards(
  partnerBytes: number[],
  budget: number,
  place: (bytes: number[], shards: number) => number[],
): Placement | undefined {
  const oversize = partnerBytes.map((b, p) => (b >= budget ? p : -1)).filter((p) => p >= 0);
  const rest = partnerBytes.map((b, p) => ({ b, p })).filter(({ b }) => b < budget);
  const restBytes = rest.map(({ b }) => b);
  const lower = Math.max(1, Math.ceil(sum(restBytes) / budget));
  for (let n = lower; n <= lower * 20; n++) {
    const restShardOf = place(restBytes, n);
    const bytes = shardBytes(restBytes, restShardOf, n);
    if (Math.max(...bytes) < budget) {
      const shardOf = new Array<number>(partnerBytes.length);
      rest.forEach(({ p }, k) => (shardOf[p] = restShardOf[k]!));
      oversize.forEach((p, k) => (shardOf[p] = n + k));
      return {
        shards: n + oversize.length,
        bytes: [...bytes, ...oversize.map((p) => partnerBytes[p]!)],
        oversize,
        shardOf,
      };
    }
  }
  return undefined;
}

/** Longest retention (whole days, at most `cap`) at which `bytesAt(days)` stays under the budget; 0 if none. */
export function longestRetention(bytesAt: (days: number) => number, budget: number, cap: number): number {
  if (bytesAt(1) >= budget) return 0;
  let lo = 1;
  let hi = cap;
  if (bytesAt(hi) < budget) return hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (bytesAt(mid) < budget) lo = mid;
    else hi = mid;
  }
  return lo;
}
