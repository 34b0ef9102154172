import { notFound } from "../../http/errors";
import type { AttemptOutcome, DeliveryRow } from "../../webhooks/deliver";
import { toDelivery } from "./view";

/** A delivery of this partner (another partner's id → 404, like every resource). */
export async function findDelivery(db: D1Database, partnerId: string, id: string): Promise<DeliveryRow> {
  const row = await db
    .prepare("SELECT * FROM webhook_deliveries WHERE id = ? AND partner_id = ?")
    .bind(id, partnerId)
    .first<DeliveryRow>();
  if (!row) throw notFound("Webhook delivery");
  return row;
}

export async function loadDelivery(db: D1Database, partnerId: string, id: string) {
  return toDelivery(await findDelivery(db, partnerId, id));
}

/** The attempt an operation just made, in the API's shape (null when none was made). */
export function resultOf(outcome: AttemptOutcome) {
  if (outcome.kind !== "attempted") return null;
  return outcome.result;
}
