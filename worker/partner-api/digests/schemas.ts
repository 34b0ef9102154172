import { z } from "@hono/zod-openapi";
import { DigestSettingsSchema } from "../../digests/schemas";
import type { DigestContext } from "../../digests/settings";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { jsonResponse } from "../../http/routes";

export const digestsResponse = (description: string) =>
  jsonResponse(description, z.object({ digests: DigestSettingsSchema }));

/** Who acts through this request: the partner's key, and the origin the digests' links use. */
export const digestContext = (c: Context<AppEnv>, organizationId: string): DigestContext => ({
  partnerId: c.get("partnerId"),
  organizationId,
  origin: new URL(c.req.url).origin,
  actor: { type: "api_key", id: c.get("apiKeyId") },
});
