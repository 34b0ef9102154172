import { createApi } from "../../http/openapi";
import { listAuditLog } from "./list";

/** `/partner/audit-log`: what was done through links, dashboards, the console and this API. */
export const auditLogRoutes = createApi().route("/", listAuditLog);
