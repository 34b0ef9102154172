import { z } from "@hono/zod-openapi";
import { CONSOLE_ROLES, DEFAULT_CONSOLE_ROLE } from "../../sessions/rules";
import { EmailSchema } from "../dashboard-links/schemas";

export const ConsoleLinkRequest = z
  .object({
    email: EmailSchema,
    role: z
      .enum(CONSOLE_ROLES)
      .default(DEFAULT_CONSOLE_ROLE)
      .openapi({
        description:
          "`viewer` reads the console; `staff` (default) also creates clients without credits, pauses and resumes them and sends dashboard links; " +
          "`admin` also allocates credits, and needs the `admin` scope to ask for",
      }),
  })
  .openapi("ConsoleLinkRequest");
