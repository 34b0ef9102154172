import { MAX_JSON_BODY_BYTES, limitBody } from "../lib/body-limit";
import { documentBodyLimit, documentFailureLimit, openApiDocument } from "../http/openapi-document";
import { createApi, documentEach, resource } from "../http/routes";
import { adjustCredits } from "./adjust-credits";
import { adminAuth } from "./auth";
import { importCompanies } from "./companies";
import { createPartner } from "./create-partner";
import { issuePartnerApiKey } from "./issue-api-key";
import { listPartners } from "./list-partners";
import { listShards } from "./list-shards";
import { importPeople } from "./people";
import { updatePartner } from "./update-partner";

/** `/api/v1/admin/…`: the operator onboards partners and imports identification data; one file per operation. */
export const adminApi = createApi();
adminApi.openAPIRegistry.registerComponent("securitySchemes", "AdminApiKey", {
  type: "apiKey",
  in: "header",
  name: "X-Admin-API-Key",
  description: "The operator secret (`ADMIN_API_KEY`).",
});
adminApi.use("*", adminAuth);
// Partner management takes JSON documents; the imports (/companies, /people) stream with limits of their own.
adminApi.use("/partners", limitBody(MAX_JSON_BODY_BYTES));
adminApi.use("/partners/*", limitBody(MAX_JSON_BODY_BYTES));

const operatorRoutes = resource(
  { name: "Operator", description: "Sightline's own operations: partners, data imports, adjustments." },
  {
    createPartner,
    listPartners,
    issuePartnerApiKey,
    updatePartner,
    adjustCredits,
    importCompanies,
    importPeople,
    listShards,
  },
);
adminApi.route(
  "/",
  documentEach(operatorRoutes, (route) => (route.security = [{ AdminApiKey: [] }])),
);
documentBodyLimit(adminApi, MAX_JSON_BODY_BYTES);
documentFailureLimit(adminApi);

/** The operator API's document, served to the operator only (`GET /api/v1/admin/openapi.json`, behind its key). */
const documented = createApi().route("/admin", adminApi);
const OPERATOR_API_INFO = {
  title: "Operator API",
  description:
    "Sightline's own operations: onboarding partners, importing identification data, adjusting credits.\n\n" +
    "Authenticate every request with the `X-Admin-API-Key` header (the `ADMIN_API_KEY` secret). Too many wrong keys " +
    "from one address get 429 `RateLimited`. Errors are `{ code, message, details }`.",
};
adminApi.get("/openapi.json", (c) => c.json(openApiDocument(documented, new URL(c.req.url).origin, OPERATOR_API_INFO)));
