import { resource } from "../../http/routes";
import { exclusionSettings } from "./exclusions";

/** `/partner/organizations/{organizationId}/exclusions`: visitors an organization never wants identified. */
export const exclusionRoutes = resource(
  {
    name: "Exclusions",
    description: "Visitors a sub-organization never wants identified or charged: its offices, its competitors.",
  },
  { exclusionSettings },
);
