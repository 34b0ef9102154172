import { resource } from "../../http/routes";
import { organizationEmailPreferences } from "./organization";
import { partnerEmailPreferences } from "./partner";

/** `/partner/email-preferences` and the per-organization overrides. */
export const emailPreferenceRoutes = resource(
  { name: "Emails", description: "Which emails are sent, per partner and per sub-organization." },
  { partnerEmailPreferences, organizationEmailPreferences },
);
