import { resource } from "../../http/routes";
import { DASHBOARDS_TAG } from "../../sessions/places";
import { listDashboardSessions } from "./list";
import { revokeDashboardSession } from "./revoke";

/** `/partner/sessions`: who is signed in to the dashboards and the console, and revocation. */
export const sessionRoutes = resource(DASHBOARDS_TAG, { listDashboardSessions, revokeDashboardSession });
