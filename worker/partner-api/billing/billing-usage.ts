import { createRoute } from "@hono/zod-openapi";
import { utcDay, isoSeconds } from "../../lib/time";
import { partnerPeriod } from "../../billing/partner-period";
import { pricingTiersOf, quote } from "../../billing/pricing";
import { usageByOrganization } from "../../billing/usage";
import { commonErrors, createApi, jsonResponse } from "../../http/routes";
import { loadPartner } from "../../partners/partner";
import { BillingUsageSchema } from "./schemas";

const route = createRoute({
  method: "get",
  path: "/billing/usage",
  summary: "Usage across all organizations in the current billing period, with an estimated cost",
  responses: { 200: jsonResponse("Usage this period", BillingUsageSchema), ...commonErrors },
});

export const getBillingUsage = createApi().openapi(route, async (c) => {
  const db = c.var.tenant.DB;
  const partnerId = c.get("partnerId");
  const period = partnerPeriod(await loadPartner(c.env.CATALOG, partnerId));
  const [organizations, tiers] = await Promise.all([
    usageByOrganization(db, partnerId, utcDay(period.start), utcDay(period.end - 1)),
    pricingTiersOf(c.env.CATALOG, partnerId),
  ]);
  const creditsConsumed = organizations.reduce((sum, o) => sum + o.credits, 0);
  const price = quote(tiers, creditsConsumed);
  return c.json(
    {
      periodStart: isoSeconds(period.start),
      periodEnd: isoSeconds(period.end),
      creditsConsumed,
      identifications: organizations.reduce((sum, o) => sum + o.identifications, 0),
      estimatedCost: price.cost,
      currency: price.currency,
      organizations: organizations.map((o) => ({
        organizationId: o.id,
        externalId: o.external_id,
        name: o.name,
        creditsConsumed: o.credits,
      })),
    },
    200,
  );
});
