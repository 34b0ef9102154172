import { createApi } from "../../http/openapi";
import { createDashboardLink } from "./create";

/** `/partner/organizations/{organizationId}/dashboard-links`: sign-in links to a client's dashboard. */
export const dashboardLinkRoutes = createApi().route("/", createDashboardLink);
