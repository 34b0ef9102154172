import { createApi } from "../http/openapi";
import { partnerAuth } from "./auth";
import { setOrganizationCredits } from "./organizations/credits";
import { createOrganization } from "./organizations/create";
import { getOrganization } from "./organizations/get";
import { listOrganizations } from "./organizations/list";
import { pixelRoutes } from "./organizations/pixel";
import { setOrganizationStatus } from "./organizations/status";
import { listVisitors } from "./visitors/list";

/** `/api/v1/partner/…`: everything a partner does, authenticated by `X-Partner-API-Key`. */
export const partnerApi = createApi();
partnerApi.openAPIRegistry.registerComponent("securitySchemes", "PartnerApiKey", {
  type: "apiKey",
  in: "header",
  name: "X-Partner-API-Key",
});
partnerApi.use("*", partnerAuth);
partnerApi
  .route("/", listOrganizations)
  .route("/", createOrganization)
  .route("/", getOrganization)
  .route("/", setOrganizationStatus)
  .route("/", setOrganizationCredits)
  .route("/", pixelRoutes)
  .route("/", listVisitors);
