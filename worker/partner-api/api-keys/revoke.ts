import { createRoute, z } from "@hono/zod-openapi";
import { ApiError, notFound } from "../../lib/errors";
import { commonErrors, createApi, errorResponses } from "../../http/routes";
import { isoSeconds } from "../../lib/time";
import { requireScope } from "../auth";
import { IdParam } from "../../http/schemas";

const route = createRoute({
  method: "delete",
  path: "/api-keys/{keyId}",
  summary: "Revoke an API key (admin scope); it stops working at once",
  description:
    "Revoking an already revoked key succeeds. The last usable key with admin access cannot be revoked (409): create its successor first.",
  middleware: [requireScope("admin")] as const,
  request: { params: z.object({ keyId: IdParam("keyId") }) },
  responses: { 204: { description: "Revoked" }, ...commonErrors, ...errorResponses(409) },
});

/** SQL: key `k` can manage keys (full access or `admin`), is active and not expired at ?3. */
const adminCapable = (k: string) => `(${k}.status = 'active' AND (${k}.expires_at IS NULL OR ${k}.expires_at > ?3)
  AND (${k}.scopes = '[]' OR EXISTS (SELECT 1 FROM json_each(${k}.scopes) WHERE value = 'admin')))`;

export const revokeApiKey = createApi().openapi(route, async (c) => {
  const { keyId } = c.req.valid("param");
  const partnerId = c.get("partnerId");
  const db = c.env.CATALOG;
  const now = isoSeconds();
  const key = await db
    .prepare("SELECT status FROM api_keys WHERE id = ? AND partner_id = ?")
    .bind(keyId, partnerId)
    .first<{ status: string }>();
  if (!key) throw notFound("API key");
  if (key.status === "active") {
    // One statement: two parallel revocations cannot both pass the "another admin key remains" check.
    const { meta } = await db
      .prepare(
        `UPDATE api_keys AS target SET status = 'revoked' WHERE id = ?1 AND partner_id = ?2 AND status = 'active'
         AND (NOT ${adminCapable("target")}
              OR EXISTS (SELECT 1 FROM api_keys other WHERE other.partner_id = ?2 AND other.id != ?1 AND ${adminCapable("other")}))`,
      )
      .bind(keyId, partnerId, now)
      .run();
    if (meta.changes === 0) {
      const still = await db
        .prepare("SELECT status FROM api_keys WHERE id = ?")
        .bind(keyId)
        .first<{ status: string }>();
      if (still?.status === "active") {
        throw new ApiError("Conflict", "This is the last usable key with admin access; create another one first", {
          keyId,
        });
      }
    }
  }
  return c.body(null, 204);
});
