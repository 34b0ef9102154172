import { z } from "@hono/zod-openapi";
import type { Scope } from "./issue";

export const ScopeSchema = z.enum(["read", "write", "admin"]);

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    keyPrefix: z.string().openapi({ example: "pk_live_3f2a" }),
    scopes: z.array(ScopeSchema).openapi({ description: "Empty: full access" }),
    status: z.enum(["active", "revoked"]),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable().openapi({ description: "Updated at most once a minute" }),
    createdAt: z.string(),
  })
  .openapi("ApiKey");

export interface ApiKeyRow {
  id: string;
  name: string;
  key_prefix: string;
  scopes: string;
  status: "active" | "revoked";
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

export function toApiKey(row: ApiKeyRow): z.infer<typeof ApiKeySchema> {
  return {
    id: row.id,
    name: row.name,
    keyPrefix: row.key_prefix,
    scopes: JSON.parse(row.scopes) as Scope[],
    status: row.status,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    createdAt: row.created_at,
  };
}
