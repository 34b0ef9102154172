import { createRoute } from "@hono/zod-openapi";
import { utcDay, isoSeconds } from "../../lib/time";
import { partnerPeriod } from "../../billing/partner-period";
import { pricingTiersOf } from "../../billing/pricing";
import { partnerUsage } from "../../billing/usage";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { loadPartner, toPartner } from "../../partners/partner";
import { BillingSchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/billing",
  summary: "Billing settings, pricing tiers, pool and this period's consumption",
  responses: { 200: jsonResponse("Billing", BillingSchema), ...commonErrors },
});

export const getBilling = createApi().openapi(route, async (c) => {
  const db = c.var.tenant.DB;
  const partnerId = c.get("partnerId");
  const row = await loadPartner(c.env.CATALOG, partnerId);
  const period = partnerPeriod(row);
  const [partner, tiers, usage] = await Promise.all([
    toPartner(db, row),
    pricingTiersOf(c.env.CATALOG, partnerId),
    // Periods start at 00:00 UTC, so whole days cover them exactly; the end is exclusive.
    partnerUsage(db, partnerId, utcDay(period.start), utcDay(period.end - 1)),
  ]);
  return c.json(
    {
      partnerId,
      billingMode: row.billing_mode,
      billingPeriod: row.billing_period,
      billingDayOfMonth: row.billing_day_of_month,
      billingPeriodStart: isoSeconds(period.start),
      nextBillingDate: isoSeconds(period.end),
      pricingTiers: tiers.map(({ currency: _, ...t }) => t),
      currency: tiers[0]?.currency ?? "USD",
      creditPoolTotal: partner.creditPoolTotal,
      creditPoolUsed: partner.creditPoolUsed,
      creditPoolAvailable: partner.creditPoolAvailable,
      creditsConsumed: usage.credits,
    },
    200,
  );
});
