import { resource } from "../../http/routes";
import { DASHBOARDS_TAG } from "../../sessions/places";
import { createDashboardLink } from "./create";

/** `/partner/organizations/{organizationId}/dashboard-links`: sign-in links to a client's dashboard. */
export const dashboardLinkRoutes = resource(DASHBOARDS_TAG, { createDashboardLink });
