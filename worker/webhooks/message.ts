/** A message on the `WEBHOOKS` queue: which delivery to attempt (everything else is in D1). */
export interface WebhookMessage {
  deliveryId: string;
}
