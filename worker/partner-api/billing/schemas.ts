import { z } from "@hono/zod-openapi";
import { invalidField } from "../../lib/errors";
import { BillingModeSchema, BillingPeriodSchema, DateQuery, Day, Timestamp } from "../../http/schemas";

/** Billing periods start and end at 00:00 UTC. */
const PeriodBound = Timestamp.openapi({ example: "2025-01-15T00:00:00Z" });

export const PricingTierSchema = z
  .object({
    tier: z.string().openapi({ example: "growth" }),
    pricePerIdentification: z.number().openapi({ example: 0.08 }),
    minUsage: z.number().int(),
    maxUsage: z.number().int().nullable().openapi({ description: "Null: no upper bound" }),
  })
  .openapi("PricingTier");

export const BillingSchema = z
  .object({
    partnerId: z.string(),
    billingMode: BillingModeSchema,
    billingPeriod: BillingPeriodSchema,
    billingDayOfMonth: z.number().int(),
    billingPeriodStart: PeriodBound,
    nextBillingDate: PeriodBound,
    pricingTiers: z.array(PricingTierSchema),
    currency: z.string().openapi({ example: "USD" }),
    creditPoolTotal: z.number().int(),
    creditPoolUsed: z.number().int().openapi({ description: "Credits allocated to organizations" }),
    creditPoolAvailable: z.number().int().openapi({ description: "Credits that can still be allocated" }),
    creditsConsumed: z.number().int().openapi({ description: "Credits spent by identifications this billing period" }),
  })
  .openapi("Billing");

export const BillingUsageSchema = z
  .object({
    periodStart: PeriodBound,
    periodEnd: PeriodBound,
    creditsConsumed: z.number().int(),
    identifications: z
      .number()
      .int()
      .openapi({ description: "Hits that identified a visitor (charged or already charged)" }),
    estimatedCost: z.number(),
    currency: z.string(),
    organizations: z.array(
      z.object({
        organizationId: z.string(),
        externalId: z.string().nullable(),
        name: z.string(),
        creditsConsumed: z.number().int(),
      }),
    ),
  })
  .openapi("BillingUsage");

export const QuoteSchema = z
  .object({ usage: z.number().int(), cost: z.number(), tier: z.string().nullable(), currency: z.string() })
  .openapi("PriceQuote");

export const UsageSchema = z
  .object({
    startDate: Day,
    endDate: Day,
    totalQuantity: z.number().int().openapi({ description: "Credits consumed" }),
    totalEvents: z.number().int().openapi({ description: "All recorded hits (page views and identify calls)" }),
  })
  .openapi("Usage");

export const AnalyticsSchema = z
  .object({
    partnerId: z.string(),
    startDate: Day,
    endDate: Day,
    totalOrganizations: z.number().int(),
    activeOrganizations: z
      .number()
      .int()
      .openapi({ description: "Organizations with at least one identification in the range" }),
    totalIdentifications: z.number().int(),
    creditsRemaining: z.number().int().openapi({ description: "Sum of the organizations' available credits now" }),
    creditsUsed: z.number().int().openapi({ description: "Credits consumed in the range" }),
  })
  .openapi("Analytics");

export const DateRangeQuery = z.object({
  startDate: DateQuery.openapi({ description: "First day (YYYY-MM-DD or ISO 8601; UTC day)" }),
  endDate: DateQuery.openapi({ description: "Last day, included" }),
});

/** 400 in the envelope when a range runs backwards. */
export function checkRange(startDay: string, endDay: string): void {
  if (startDay > endDay) {
    throw invalidField("startDate", "must not be after endDate");
  }
}
