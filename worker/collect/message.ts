import type { EdgeRejection, ProductType } from "../../shared/billing";
import type { Hit } from "../../shared/hit";
import type { Shard } from "../shards";

/** An accepted hit on its way from the edge to the consumer (identify → charge → store). */
export interface AcceptedHit {
  kind: "hit";
  hit: Hit;
  organizationId: string;
  /** The partner's tenant shard (from the pixel record): where the hit is stored. */
  shard: Shard;
  partnerId: string;
  productType: ProductType;
  /** `CF-Connecting-IP`, or the visitor's address a first-party proxy forwarded and signed. */
  ip: string | null;
  userAgent: string | null;
  /** Visitor location from `request.cf`, when Cloudflare knows it. */
  country: string | null;
  region: string | null;
  city: string | null;
  bot: boolean;
  /** The organization counts `#/route` hashes as pages. */
  hashRouting: boolean;
  /** When the edge accepted it, ms since epoch: decides the session and the billing period. */
  receivedAt: number;
}

/** A hit turned away at the edge: only counted, never stored as a visit. */
export interface RejectedHit {
  kind: "rejected";
  organizationId: string;
  shard: Shard;
  reason: EdgeRejection;
  receivedAt: number;
}

export type HitMessage = AcceptedHit | RejectedHit;

/**
 * Hits as the edge's collectors send them (worker/collect/hit-collector.ts): many in one queue message,
 * since a queue bills every message (a write, a read and a delete) whatever its size up to 64 KB.
 * `attempts`, by hit, counts deliveries a hit had in earlier bundles (the consumer sends the hits it must
 * retry on in a bundle of their own: worker/collect/bundles.ts).
 */
export interface HitBundle {
  kind: "bundle";
  hits: HitMessage[];
  attempts?: number[];
}

/** What a hit queue carries: a bundle from the collectors, or a single hit (older edges, tests, the bench). */
export type HitQueueMessage = HitMessage | HitBundle;
