import { z } from "@hono/zod-openapi";
import { CLIENT_ROLES } from "../../sessions/rules";

export const EmailSchema = z
  .email()
  .max(254)
  .openapi({ description: "Who signs in, as the partner's app knows them", example: "jane@client.example" });

export const SignInLinkSchema = z
  .object({
    url: z.string().openapi({ example: "https://insights.agency.example/sign-in/3f9c…" }),
    expiresAt: z.string().openapi({ example: "2025-01-15T10:40:00Z" }),
  })
  .openapi("SignInLink");

export const DashboardLinkRequest = z
  .object({
    email: EmailSchema,
    role: z.enum(CLIENT_ROLES).default("viewer").openapi({ description: "`admin` also manages exclusions" }),
    send: z.boolean().default(false).openapi({
      description:
        "Mail the link to `email`, in your brand: it then works once for 24 hours and opens with a click on its page",
    }),
  })
  .openapi("DashboardLinkRequest");
