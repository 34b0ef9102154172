/**
 * Billing vocabulary shared by the API, the credit counter and the docs. Each list is the one
 * place its words are written; types (and the Worker's zod enums) derive from it.
 */
export const BILLING_PERIODS = ["monthly", "quarterly", "annually"] as const;
export type BillingPeriod = (typeof BILLING_PERIODS)[number];

export const BILLING_MODES = ["credit_pool", "external", "usage_based"] as const;
export type BillingMode = (typeof BILLING_MODES)[number];

/** Pools exist for `credit_pool` and `external` partners; `usage_based` partners have none. */
export const hasPool = (mode: BillingMode) => mode !== "usage_based";

export const PRODUCT_TYPES = ["B2B", "B2C"] as const;
export type ProductType = (typeof PRODUCT_TYPES)[number];

export const TIERS = ["trial", "paid"] as const;
export type Tier = (typeof TIERS)[number];

/** Largest allocation a trial organization may have. */
export const TRIAL_CREDIT_LIMIT = 500;

/** What one credit pays for: an identified company or person (once per billing period). */
export const IDENTITY_TYPES = ["company", "person"] as const;
export type IdentityType = (typeof IDENTITY_TYPES)[number];

/**
 * Why an identification attempt was or was not charged. Exactly one per accepted or rejected hit:
 * a `charged` hit has its own receipt, every other outcome is counted per day.
 * `suspicious`: a person the people rules refuse (more people on a device or an address in a day, or
 * new people in an organization's hour, than a real audience plausibly is).
 * `suppressed`: the email hash of a person the partner suppressed (docs/privacy.md).
 */
export const CHARGE_REASONS = [
  "charged",
  "already_charged_this_period",
  "no_credit",
  "bot",
  "referrer_not_allowed",
  "disabled",
  "not_identified",
  "excluded",
  "suspicious",
  "suppressed",
] as const;
export type ChargeReason = (typeof CHARGE_REASONS)[number];

/** The reasons a hit is turned away at the edge: counted per day, never stored as a visit. */
export const EDGE_REJECTIONS = ["referrer_not_allowed", "disabled"] as const satisfies readonly ChargeReason[];
export type EdgeRejection = (typeof EDGE_REJECTIONS)[number];

/**
 * Kinds of credit movement. Every movement is one immutable entry; corrections are new entries.
 * - `period_opened`: a period starts from the allocation (credits = +allocation)
 * - `allocation_set`: the partner changed the allocation (credits = new − old)
 * - `debit`: an identification was charged (−1, with its event id and identity)
 * - `expired`: the period closed; unused credits lapse (credits = −unused, summary in details)
 * - `adjustment`: the operator added or removed credits (±n, with a reason)
 * - `refund`: the operator gave a debit's credit back (+1, with the debit's event id)
 */
export const LEDGER_KINDS = ["period_opened", "allocation_set", "debit", "expired", "adjustment", "refund"] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];
