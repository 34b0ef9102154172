/** Digest vocabulary (docs/alerts.md#digests): how often a recipient gets one, and what became of each. */
export const DIGEST_FREQUENCIES = ["daily", "weekly"] as const;
export type DigestFrequency = (typeof DIGEST_FREQUENCIES)[number];

/**
 * A recipient's digest of one period: `pending` until a job takes it, `sending` while one holds it,
 * then `sent`, `skipped` (nothing happened in the period, the recipient unsubscribed or is no longer
 * one, the organization is canceled) or `failed` (the mail was refused, after retries).
 */
export const DIGEST_STATUSES = ["pending", "sending", "sent", "skipped", "failed"] as const;
export type DigestStatus = (typeof DIGEST_STATUSES)[number];
