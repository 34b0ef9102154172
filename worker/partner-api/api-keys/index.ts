import { resource } from "../../http/routes";
import { createApiKey } from "./create";
import { listApiKeys } from "./list";
import { revokeApiKey } from "./revoke";

/** `/partner/api-keys`: every operation needs the `admin` scope. */
export const apiKeyRoutes = resource(
  { name: "API keys", description: "Keys for this API, with scopes, expiry and revocation." },
  { listApiKeys, createApiKey, revokeApiKey },
);
