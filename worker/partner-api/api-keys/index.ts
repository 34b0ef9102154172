import { createApi } from "../../http/routes";
import { createApiKey } from "./create";
import { listApiKeys } from "./list";
import { revokeApiKey } from "./revoke";

/** `/partner/api-keys`: every operation needs the `admin` scope. */
export const apiKeyRoutes = createApi().route("/", listApiKeys).route("/", createApiKey).route("/", revokeApiKey);
