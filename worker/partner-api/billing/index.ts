import { createApi } from "../../http/routes";
import { getAnalytics } from "./analytics";
import { getBilling } from "./billing";
import { getBillingUsage } from "./billing-usage";
import { calculateCost } from "./calculate";
import { getUsage } from "./usage";

/** `/partner/billing`, `/partner/billing/usage`, `/partner/billing/calculate`, `/partner/usage`, `/partner/analytics`. */
export const billingRoutes = createApi()
  .route("/", getBilling)
  .route("/", getBillingUsage)
  .route("/", calculateCost)
  .route("/", getUsage)
  .route("/", getAnalytics);
