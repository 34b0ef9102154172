import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { ApiError, issuesToDetails } from "./errors";

/**
 * An OpenAPIHono whose validation failures become the contract's 400 envelope,
 * with one `{ field, message }` entry per bad field in `details`.
 */
export function createApi() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError("BadRequest", "Invalid request", issuesToDetails(result.error.issues, result.target));
      }
    },
  });
}

export const ErrorSchema = z
  .object({
    code: z.string().openapi({ example: "NotFound" }),
    message: z.string(),
    details: z.unknown().nullable(),
  })
  .openapi("Error");

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

/** The error responses every partner route can give. */
export const commonErrors = {
  400: errorResponse("Invalid request; `details` lists each bad field"),
  401: errorResponse("Missing, unknown, revoked or expired API key"),
  403: errorResponse("The API key lacks the scope this route needs"),
  404: errorResponse("Not found (also for another partner's resources)"),
} as const;

export const errorResponses = (...statuses: (409 | 413 | 422 | 429)[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      errorResponse(
        { 409: "Conflict", 413: "Payload too large", 422: "Business rule violated", 429: "Rate limited" }[s],
      ),
    ]),
  );

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

export const jsonResponse = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  content: { "application/json": { schema } },
});
