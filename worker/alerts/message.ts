import type { Shard } from "../shards";

/** The alert delivery queue (wrangler.toml) and its dead-letter queue. */
export const NOTIFICATIONS_QUEUE = "sightline-notifications";
export const NOTIFICATIONS_DLQ = "sightline-notifications-dlq";

/** A message on the `NOTIFICATIONS` queue: one alert to one channel (everything else is in D1). */
export interface NotificationMessage {
  deliveryId: string;
  /** The partner's tenant shard, where the delivery's row is. */
  shard: Shard;
}
