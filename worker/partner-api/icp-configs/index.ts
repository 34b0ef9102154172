import { createApi } from "../../http/routes";
import { createIcpConfig } from "./create";
import { deleteIcpConfig } from "./delete";
import { getIcpConfig } from "./get";
import { listIcpConfigs } from "./list";
import { updateIcpConfig } from "./update";

/** `/organizations/{organizationId}/icp-configs…`: ideal customer profiles and their scoring (docs/icp.md). */
export const icpConfigRoutes = createApi()
  .route("/", listIcpConfigs)
  .route("/", createIcpConfig)
  .route("/", getIcpConfig)
  .route("/", updateIcpConfig)
  .route("/", deleteIcpConfig);
