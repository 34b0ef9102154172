import { createApi } from "../../http/routes";
import { organizationEmailPreferences } from "./organization";
import { partnerEmailPreferences } from "./partner";

/** `/partner/email-preferences` and the per-organization overrides. */
export const emailPreferenceRoutes = createApi()
  .route("/", partnerEmailPreferences)
  .route("/", organizationEmailPreferences);
