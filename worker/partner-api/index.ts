import { createApi } from "../http/openapi";
import { accountRoutes } from "./account";
import { apiKeyRoutes } from "./api-keys";
import { domainRoutes } from "./domain";
import { emailPreferenceRoutes } from "./email-preferences";
import { methodScope, partnerAuth } from "./auth";
import { partnerRateLimit } from "../rate-limit/middleware";
import { setOrganizationCredits } from "./organizations/credits";
import { createOrganization } from "./organizations/create";
import { getOrganization } from "./organizations/get";
import { listOrganizations } from "./organizations/list";
import { pixelRoutes } from "./organizations/pixel";
import { setOrganizationStatus } from "./organizations/status";
import { listVisitors } from "./visitors/list";
import { icpConfigRoutes } from "./icp-configs";
import { deleteOrganization } from "./organizations/delete";
import { rotatePixelKey } from "./organizations/rotate-key";
import { setOrganizationTier } from "./organizations/tier";
import { updateOrganization } from "./organizations/update";
import { webhookRoutes } from "./webhooks";
import { billingRoutes } from "./billing";
import { receiptRoutes } from "./receipts";
import { dashboardLinkRoutes } from "./dashboard-links";
import { consoleLinkRoutes } from "./console-links";
import { sessionRoutes } from "./sessions";
import { organizationExclusionRoutes } from "./exclusions";
import { auditLogRoutes } from "./audit-log";

/** `/api/v1/partner/…`: everything a partner does, authenticated by `X-Partner-API-Key`. */
export const partnerApi = createApi();
partnerApi.openAPIRegistry.registerComponent("securitySchemes", "PartnerApiKey", {
  type: "apiKey",
  in: "header",
  name: "X-Partner-API-Key",
});
// Who is calling (401), how often (429, counted per partner), may this key do it (403).
partnerApi.use("*", partnerAuth);
partnerApi.use("*", partnerRateLimit);
partnerApi.use("*", methodScope);
partnerApi.route("/", webhookRoutes);
partnerApi
  .route("/", accountRoutes)
  .route("/", apiKeyRoutes)
  .route("/", domainRoutes)
  .route("/", emailPreferenceRoutes);
partnerApi
  .route("/", listOrganizations)
  .route("/", createOrganization)
  .route("/", getOrganization)
  .route("/", setOrganizationStatus)
  .route("/", setOrganizationCredits)
  .route("/", pixelRoutes)
  .route("/", listVisitors);
partnerApi
  .route("/", updateOrganization)
  .route("/", deleteOrganization)
  .route("/", setOrganizationTier)
  .route("/", rotatePixelKey)
  .route("/", icpConfigRoutes);
partnerApi.route("/", billingRoutes).route("/", receiptRoutes);
partnerApi
  .route("/", dashboardLinkRoutes)
  .route("/", consoleLinkRoutes)
  .route("/", sessionRoutes)
  .route("/", organizationExclusionRoutes)
  .route("/", auditLogRoutes);
