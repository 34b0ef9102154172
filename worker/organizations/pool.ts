import { TRIAL_CREDIT_LIMIT, type Tier } from "../../shared/billing";
import type { AllocationRefusal } from "../credits/types";
import { ApiError, notFound } from "../lib/errors";

/**
 * The answer to an allocation the partner's pool refused (its rules: worker/credits/pool.ts).
 * Routes may check the cheap rules first with the same answers; the pool decides.
 */
export function allocationRefused(refusal: AllocationRefusal): ApiError {
  switch (refusal.reason) {
    case "insufficient":
      return new ApiError("InsufficientCredits", "Not enough credits left in the partner pool", {
        requested: refusal.requested,
        available: refusal.available,
      });
    case "trial_limit":
      return trialLimit(refusal.requested);
    case "partner_cap":
      return partnerCap(refusal.requested, refusal.limit);
    case "below_used":
      return new ApiError(
        "UnprocessableEntity",
        "The allocation cannot be below the credits already used this period",
        {
          requested: refusal.requested,
          used: refusal.used,
        },
      );
    case "changed":
      return new ApiError("Conflict", "The allocation changed in the meantime; nothing was changed", {
        expected: refusal.expected,
        current: refusal.current,
      });
    case "unknown_organization":
      return notFound("Organization");
  }
}

export function checkTrialLimit(tier: Tier, credits: number): void {
  if (tier === "trial" && credits > TRIAL_CREDIT_LIMIT) throw trialLimit(credits);
}

/** The operator's per-organization cap (`maxIdentificationsPerOrg`): no allocation above it. */
export function checkPartnerCap(cap: number | null, credits: number): void {
  if (cap !== null && credits > cap) throw partnerCap(credits, cap);
}

const trialLimit = (requested: number) =>
  new ApiError("TrialCreditLimit", `A trial organization can have at most ${TRIAL_CREDIT_LIMIT} credits`, {
    requested,
    limit: TRIAL_CREDIT_LIMIT,
  });

const partnerCap = (requested: number, limit: number) =>
  new ApiError("UnprocessableEntity", `The partner account allows at most ${limit} credits per organization`, {
    requested,
    limit,
  });

/** 422 when the partner already has as many organizations as the operator allows. */
export const organizationLimit = (max: number) =>
  new ApiError("UnprocessableEntity", `The partner account is limited to ${max} organizations`, { limit: max });
