import { z } from "@hono/zod-openapi";
import { EmailSchema } from "../dashboard-links/schemas";

export const ConsoleLinkRequest = z.object({ email: EmailSchema }).openapi("ConsoleLinkRequest");
