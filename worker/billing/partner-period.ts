import type { BillingPeriod } from "../../shared/billing";
import { scheduleOf, scheduledPeriodAt, type Period, type Schedule } from "./period";

/**
 * The partner's current billing period (its pool's budget window and its invoices): its billing
 * schedule, anchored, for quarterly and annual cycles, on the month the partner was created.
 */
export function partnerPeriod(
  partner: {
    billing_period: BillingPeriod;
    billing_day_of_month: number;
    billing_schedule: string | null;
    created_at: string;
  },
  at = Date.now(),
): Period {
  const schedule: Schedule = partner.billing_schedule
    ? (JSON.parse(partner.billing_schedule) as Schedule)
    : scheduleOf({
        period: partner.billing_period,
        dayOfMonth: partner.billing_day_of_month,
        anchorMonth: new Date(partner.created_at).getUTCMonth(),
      });
  return scheduledPeriodAt(schedule, at);
}
