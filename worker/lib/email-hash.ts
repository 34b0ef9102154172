import { z } from "zod";

/**
 * A person as every route and hit names them: the SHA-256 hex of their trimmed, lower-cased email.
 * A function, so each caller builds its own schema: zod gives a schema `.openapi()` only when it
 * is made after @hono/zod-openapi extended zod, and the hit path validates without it.
 */
export const emailSha256 = () =>
  z
    .string()
    .regex(/^[0-9a-f]{64}$/, "must be the SHA-256 of the trimmed, lower-cased email, as 64 lowercase hex digits");
