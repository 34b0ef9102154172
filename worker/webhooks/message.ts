import type { Shard } from "../shards";

/** A message on the `WEBHOOKS` queue: which delivery to attempt (everything else is in D1). */
export interface WebhookMessage {
  deliveryId: string;
  /** The partner's tenant shard, where the delivery's row is. */
  shard: Shard;
}
