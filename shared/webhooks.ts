/** Webhook vocabulary: the two webhooks a partner configures, the events and the deliveries' states. */
export const WEBHOOK_CHANNELS = ["identification", "billing"] as const;
export type WebhookChannel = (typeof WEBHOOK_CHANNELS)[number];

export const EVENT_TYPES = [
  "visitor.identified",
  "usage.recorded",
  "credits.low",
  "credits.exhausted",
  "period.closed",
  "company.visited",
  "alert.triggered",
  "domain.activated",
  "domain.failed",
  "b2c.anomaly",
  "webhook.test",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** `credits.low` goes out when what is left falls to this share of the allocation, unless the partner sets another. */
export const DEFAULT_LOW_CREDIT_PERCENT = 10;
