import { resource } from "../../http/routes";
import { listAuditLog } from "./list";

/** `/partner/audit-log`: what was done through links, dashboards, the console and this API. */
export const auditLogRoutes = resource(
  { name: "Audit log", description: "Who did what through sign-in links, dashboards, the console and this API." },
  { listAuditLog },
);
