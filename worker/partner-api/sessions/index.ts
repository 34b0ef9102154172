import { createApi } from "../../http/openapi";
import { listDashboardSessions } from "./list";
import { revokeDashboardSession } from "./revoke";

/** `/partner/sessions`: who is signed in to the dashboards and the console, and revocation. */
export const sessionRoutes = createApi().route("/", listDashboardSessions).route("/", revokeDashboardSession);
