import { TRIAL_CREDIT_LIMIT, type Tier } from "../../shared/billing";
import { ApiError } from "../http/errors";

/** Allocations of a partner's organizations, except `exceptId`, as a SQL expression with 2 parameters. */
export const ALLOCATED_BY_OTHERS =
  "(SELECT coalesce(sum(credits), 0) FROM organizations WHERE partner_id = ? AND id != ?)";
export const POOL_TOTAL = "(SELECT credit_pool_total FROM partners WHERE id = ?)";

export function checkTrialLimit(tier: Tier, credits: number): void {
  if (tier === "trial" && credits > TRIAL_CREDIT_LIMIT) {
    throw new ApiError("TrialCreditLimit", `A trial organization can have at most ${TRIAL_CREDIT_LIMIT} credits`, {
      requested: credits,
      limit: TRIAL_CREDIT_LIMIT,
    });
  }
}

/** The operator's per-organization cap (`maxIdentificationsPerOrg`): no allocation above it. */
export function checkPartnerCap(cap: number | null, credits: number): void {
  if (cap !== null && credits > cap) {
    throw new ApiError("UnprocessableEntity", `The partner account allows at most ${cap} credits per organization`, {
      requested: credits,
      limit: cap,
    });
  }
}

/** 422 InsufficientCredits with what the pool can still give. */
export async function insufficientCredits(
  db: D1Database,
  partnerId: string,
  organizationId: string,
  requested: number,
) {
  const row = await db
    .prepare(`SELECT ${POOL_TOTAL} - ${ALLOCATED_BY_OTHERS} AS available`)
    .bind(partnerId, partnerId, organizationId)
    .first<{ available: number }>();
  return new ApiError("InsufficientCredits", "Not enough credits left in the partner pool", {
    requested,
    available: Math.max(0, row?.available ?? 0),
  });
}
