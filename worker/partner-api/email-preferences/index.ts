import { resource } from "../../http/routes";
import { organizationEmailPreferences } from "./organization";
import { partnerEmailPreferences } from "./partner";

/** The partner API's tag for e-mail: which notices are sent (here) and who sends them (`email-sender/`). */
export const EMAILS_TAG = {
  name: "Emails",
  description: "Which emails are sent, per partner and per sub-organization, and who sends them.",
};

/** `/partner/email-preferences` and the per-organization overrides. */
export const emailPreferenceRoutes = resource(EMAILS_TAG, { partnerEmailPreferences, organizationEmailPreferences });
