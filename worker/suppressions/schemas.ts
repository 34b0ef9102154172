import { z } from "@hono/zod-openapi";
import { EmailSha256, Timestamp } from "../http/schemas";

export const SuppressionSchema = z
  .object({ emailSha256: EmailSha256, createdAt: Timestamp })
  .openapi("Suppression", { description: "A person the partner's organizations never identify or charge again." });

export const SuppressionRequest = z.object({ emailSha256: EmailSha256 });

export const SuppressionParams = z.object({
  emailSha256: EmailSha256.openapi({ param: { name: "emailSha256", in: "path" } }),
});
