import { resource } from "../../http/routes";
import { createIcpConfig } from "./create";
import { deleteIcpConfig } from "./delete";
import { getIcpConfig } from "./get";
import { listIcpConfigs } from "./list";
import { updateIcpConfig } from "./update";

/** `/organizations/{organizationId}/icp-configs…`: ideal customer profiles and their scoring (docs/icp.md). */
export const icpConfigRoutes = resource(
  { name: "ICP configs", description: "Ideal-customer-profile rules that match and score visitors." },
  { listIcpConfigs, createIcpConfig, getIcpConfig, updateIcpConfig, deleteIcpConfig },
);
