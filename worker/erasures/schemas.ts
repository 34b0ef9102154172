import { z } from "@hono/zod-openapi";
import { EmailSha256, IdParam, Timestamp } from "../http/schemas";

export const ERASURE_STATUSES = ["pending", "running", "completed"] as const;
export type ErasureStatus = (typeof ERASURE_STATUSES)[number];

export const ErasureSchema = z
  .object({
    id: z.string().openapi({ example: "era_0123456789abcdef0123456789abcdef" }),
    status: z.enum(ERASURE_STATUSES),
    emailSha256: EmailSha256.optional().openapi({ description: "Until the erasure completes; then forgotten." }),
    organizations: z
      .number()
      .int()
      .openapi({ description: "Organizations where something of the person was erased so far." }),
    createdAt: Timestamp,
    completedAt: Timestamp.nullable(),
  })
  .openapi("Erasure", { description: "A person's erasure across the partner's organizations, run in the background." });

export const ErasureParams = z.object({ erasureId: IdParam("erasureId") });
