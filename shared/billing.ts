/** Billing vocabulary shared by the API, the credit counter and the docs. */
export type BillingPeriod = "monthly" | "quarterly" | "annually";
export type BillingMode = "credit_pool" | "external" | "usage_based";
export type ProductType = "B2B" | "B2C";
export type Tier = "trial" | "paid";

/** Largest allocation a trial organization may have. */
export const TRIAL_CREDIT_LIMIT = 500;

/**
 * Why an identification attempt was or was not charged: the receipt's reason code.
 * Exactly one per accepted or rejected hit.
 */
export type ChargeReason =
  | "charged"
  | "already_charged_this_period"
  | "no_credit"
  | "bot"
  | "referrer_not_allowed"
  | "disabled"
  | "not_identified"
  | "excluded";
