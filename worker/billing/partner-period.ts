import type { BillingPeriod } from "../../shared/billing";
import { periodAt, type Period } from "./period";

/**
 * The partner's current billing period (its pool and invoices): its billing period and day,
 * anchored, for quarterly and annual cycles, on the month the partner was created.
 */
export function partnerPeriod(
  partner: { billing_period: BillingPeriod; billing_day_of_month: number; created_at: string },
  at = Date.now(),
): Period {
  return periodAt(
    {
      period: partner.billing_period,
      dayOfMonth: partner.billing_day_of_month,
      anchorMonth: new Date(partner.created_at).getUTCMonth(),
    },
    at,
  );
}
