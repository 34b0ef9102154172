import { createApi } from "../../http/openapi";
import { exclusionRoutes } from "./exclusions";

/** `/partner/organizations/{organizationId}/exclusions`: visitors an organization never wants identified. */
export const organizationExclusionRoutes = createApi().route("/", exclusionRoutes);
