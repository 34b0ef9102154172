import { resource } from "../../http/routes";
import { eraseVisitorRoute } from "./erase";
import { listVisitors } from "./list";

/** `/partner/organizations/{organizationId}/visitors…`. */
export const visitorRoutes = resource(
  { name: "Visitors", description: "Identified visitors of a sub-organization." },
  { listVisitors, eraseVisitor: eraseVisitorRoute },
);
