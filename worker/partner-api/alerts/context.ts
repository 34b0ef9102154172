import type { Context } from "hono";
import type { SaveContext } from "../../alerts/save";
import type { AppEnv } from "../../env";

/** Who saves through this request: the partner's key, and the origin the alert's links use. */
export const saveContext = (c: Context<AppEnv>, organizationId: string): SaveContext => ({
  partnerId: c.get("partnerId"),
  organizationId,
  origin: new URL(c.req.url).origin,
  actor: { type: "api_key", id: c.get("apiKeyId") },
});
