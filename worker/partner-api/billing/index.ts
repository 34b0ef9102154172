import { resource } from "../../http/routes";
import { getAnalytics } from "./analytics";
import { getBilling } from "./billing";
import { getBillingUsage } from "./billing-usage";
import { calculateCost } from "./calculate";
import { getUsage } from "./usage";

/** `/partner/billing`, `/partner/billing/usage`, `/partner/billing/calculate`, `/partner/usage`, `/partner/analytics`. */
export const billingRoutes = resource(
  { name: "Billing", description: "The partner's billing settings, pricing, usage and analytics." },
  { getBilling, getBillingUsage, calculateCost, getUsage, getAnalytics },
);
