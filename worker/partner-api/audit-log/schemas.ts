import { z } from "@hono/zod-openapi";
import { ACTOR_TYPES, AUDIT_ACTIONS } from "../../audit/actions";

export const AuditEntrySchema = z
  .object({
    id: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    organizationId: z.string().nullable(),
    actor: z.object({
      type: z.enum(ACTOR_TYPES),
      id: z.string().openapi({ description: "The API key's id, or the dashboard or console session's id" }),
      email: z.string().nullable(),
    }),
    details: z.record(z.string(), z.unknown()),
    createdAt: z.string().openapi({ example: "2025-01-15T10:30:00Z" }),
  })
  .openapi("AuditEntry");
