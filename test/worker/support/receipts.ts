import { vi } from "vitest";
import { CHARGE_REASONS, EDGE_REJECTIONS, type ChargeReason } from "../../../shared/billing";
import { OUTCOME_COLUMN } from "../../../worker/collect/rollups";
import { tenantOfOrganization } from "./partners";

export interface RecordedOutcome {
  /** The pixel's event id: charges only (every other outcome is a daily count). */
  event_id: string | null;
  reason: ChargeReason;
  /** The visitor charged (`vis_…`): charges only. */
  identity_key: string | null;
  credits: number;
}

/** Outcomes of accepted hits that are daily counts (turned-away hits are counted apart). */
const COUNTED = CHARGE_REASONS.filter(
  (r) => r !== "charged" && !(EDGE_REJECTIONS as readonly ChargeReason[]).includes(r),
);

/**
 * What the consumer recorded for an organization's accepted hits, straight from D1: one row per
 * charge (its receipt, oldest first), then one row per hit of every other outcome, from the daily
 * counts (in the order of CHARGE_REASONS; they have no event id).
 */
export async function receipts(organizationId: string): Promise<RecordedOutcome[]> {
  const { DB } = await tenantOfOrganization(organizationId);
  const [charges, counts] = await DB.batch<Record<string, unknown>>([
    DB.prepare(
      `SELECT event_id, 'vis_' || visitor AS identity_key FROM charges
       WHERE org = (SELECT key FROM organization_keys WHERE organization_id = ?) ORDER BY at, event_id`,
    ).bind(organizationId),
    DB.prepare(
      `SELECT ${COUNTED.map((r) => `coalesce(sum(${OUTCOME_COLUMN[r]}), 0) AS ${r}`).join(", ")}
       FROM usage_daily WHERE organization_id = ?`,
    ).bind(organizationId),
  ]);
  const counted = (counts!.results[0] ?? {}) as Record<ChargeReason, number>;
  return [
    ...(charges!.results as { event_id: string; identity_key: string }[]).map((c) => ({
      ...c,
      reason: "charged" as const,
      credits: 1,
    })),
    ...COUNTED.flatMap((reason) =>
      Array.from({ length: counted[reason] ?? 0 }, () => ({ event_id: null, reason, identity_key: null, credits: 0 })),
    ),
  ];
}

/** Waits until the queue consumer has recorded `count` outcomes for the organization. */
export async function waitForReceipts(organizationId: string, count: number, timeout = 15_000) {
  return vi.waitFor(
    async () => {
      const rows = await receipts(organizationId);
      if (rows.length < count) throw new Error(`${rows.length}/${count} outcomes`);
      return rows;
    },
    { timeout, interval: 50 },
  );
}
