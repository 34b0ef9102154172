import { resource } from "../../http/routes";
import { createOrganization } from "./create";
import { deleteOrganization } from "./delete";
import { getOrganization } from "./get";
import { listOrganizations } from "./list";
import { setOrganizationStatus } from "./status";
import { setOrganizationTier } from "./tier";
import { updateOrganization } from "./update";

/** `/partner/organizations`, `/partner/organizations/{organizationId}` and its `status` and `tier`. */
export const organizationRoutes = resource(
  { name: "Organizations", description: "Sub-organizations: one per client of the partner." },
  {
    listOrganizations,
    createOrganization,
    getOrganization,
    updateOrganization,
    deleteOrganization,
    setOrganizationStatus,
    setOrganizationTier,
  },
);
