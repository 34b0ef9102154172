/** Alert vocabulary (docs/alerts.md): what fires a rule, where it is said, and how a delivery went. */
export const ALERT_TRIGGERS = ["identified", "returned", "page_viewed"] as const;
export type AlertTrigger = (typeof ALERT_TRIGGERS)[number];

export const ALERT_CHANNEL_TYPES = ["slack", "teams", "email"] as const;
export type AlertChannelType = (typeof ALERT_CHANNEL_TYPES)[number];

export const ALERT_DELIVERY_STATUSES = ["pending", "sent", "failed"] as const;
export type AlertDeliveryStatus = (typeof ALERT_DELIVERY_STATUSES)[number];
