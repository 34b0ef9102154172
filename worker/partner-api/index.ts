import { MAX_JSON_BODY_BYTES, limitBody } from "../lib/body-limit";
import { PARTNER_API_INFO, documentBodyLimit, documentRateLimit, openApiDocument } from "../http/openapi-document";
import { documentWebhookEvents } from "../webhooks/payloads";
import { createApi, documentEach } from "../http/routes";
import { partnerRateLimit } from "../rate-limit/middleware";
import { accountRoutes } from "./account";
import { apiKeyRoutes } from "./api-keys";
import { methodScope, partnerAuth } from "./auth";
import { billingRoutes } from "./billing";
import { creditRoutes } from "./credits";
import { domainRoutes } from "./domain";
import { emailPreferenceRoutes } from "./email-preferences";
import { emailSenderRoutes } from "./email-sender";
import { icpConfigRoutes } from "./icp-configs";
import { alertRoutes } from "./alerts";
import { digestRoutes } from "./digests";
import { organizationRoutes } from "./organizations";
import { pixelRoutes } from "./pixel";
import { segmentRoutes } from "./segments";
import { visitorRoutes } from "./visitors";
import { webhookRoutes } from "./webhooks";
import { dashboardLinkRoutes } from "./dashboard-links";
import { consoleLinkRoutes } from "./console-links";
import { sessionRoutes } from "./sessions";
import { exclusionRoutes } from "./exclusions";
import { auditLogRoutes } from "./audit-log";
import { suppressionRoutes } from "./suppressions";
import { peopleRoutes } from "./people";
import { erasureRoutes } from "./erasures";

/**
 * `/api/v1/partner/…`: everything a partner does, authenticated by `X-Partner-API-Key`.
 * One folder per resource, each with its `index.ts` router and its tag, mounted here once, in the
 * order a partner meets them. Resources of one organization (`/organizations/{organizationId}/…`)
 * are folders beside `organizations/`, which holds the organization itself and its status and tier.
 */
export const partnerApi = createApi();
partnerApi.openAPIRegistry.registerComponent("securitySchemes", "PartnerApiKey", {
  type: "apiKey",
  in: "header",
  name: "X-Partner-API-Key",
  description: "A partner API key (`pk_live_…`).",
});
// Who is calling (401), how often (429, counted per partner), may this key do it (403), how much does it send (413).
partnerApi.use("*", partnerAuth);
partnerApi.use("*", partnerRateLimit);
partnerApi.use("*", methodScope);
partnerApi.use("*", limitBody(MAX_JSON_BODY_BYTES));

for (const routes of [
  accountRoutes,
  apiKeyRoutes,
  organizationRoutes,
  pixelRoutes,
  visitorRoutes,
  segmentRoutes,
  icpConfigRoutes,
  alertRoutes,
  digestRoutes,
  emailPreferenceRoutes,
  emailSenderRoutes,
  exclusionRoutes,
  creditRoutes,
  billingRoutes,
  domainRoutes,
  webhookRoutes,
  dashboardLinkRoutes,
  consoleLinkRoutes,
  sessionRoutes,
  auditLogRoutes,
  suppressionRoutes,
  peopleRoutes,
  erasureRoutes,
]) {
  partnerApi.route(
    "/",
    documentEach(routes, (route) => (route.security = [{ PartnerApiKey: [] }])),
  );
}
documentRateLimit(partnerApi);
documentBodyLimit(partnerApi, MAX_JSON_BODY_BYTES);

/** The public document (`/api/v1/openapi.json`, rendered at /docs): the partner API and the webhooks it sends. */
const documented = createApi().route("/partner", partnerApi);
documentWebhookEvents(documented);
export const partnerApiDocument = (origin: string) => openApiDocument(documented, origin, PARTNER_API_INFO);
