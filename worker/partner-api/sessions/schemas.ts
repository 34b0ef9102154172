import { z } from "@hono/zod-openapi";
import { SESSION_STATUSES } from "../../sessions/rules";

const Timestamp = z.string().openapi({ example: "2025-01-15T10:30:00Z" });

export const SessionSchema = z
  .object({
    id: z.string().openapi({ example: "dss_0123456789abcdef0123456789abcdef" }),
    kind: z.enum(["dashboard", "console"]),
    organizationId: z.string().nullable().openapi({ description: "The client's organization; null for the console" }),
    email: z.string(),
    role: z.enum(["viewer", "admin", "staff"]),
    host: z.string().openapi({ description: "The host the session is bound to" }),
    openedBy: z.string().nullable().openapi({ description: "The console user who opened this client dashboard" }),
    status: z.enum(SESSION_STATUSES),
    createdAt: Timestamp,
    lastSeenAt: Timestamp.openapi({ description: "Last activity, to the minute" }),
    expiresAt: Timestamp.openapi({
      description: "When it ends unless used again: the earlier of idle and absolute expiry",
    }),
    endedAt: Timestamp.nullable(),
  })
  .openapi("DashboardSession");
