import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Error codes and their statuses (docs/partner-api.md#errors). */
export const STATUS = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  PayloadTooLarge: 413,
  InsufficientCredits: 422,
  TrialCreditLimit: 422,
  UnprocessableEntity: 422,
  RateLimited: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof STATUS;

/** The one error envelope: `{ code, message, details }`. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details: unknown;
}

/** One entry of a 400's `details`: which field is wrong and why. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** Thrown anywhere in a request; turned into the envelope by `onError` (lib/error-response.ts). */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  get status(): ContentfulStatusCode {
    return STATUS[this.code];
  }
}

export const notFound = (what: string) => new ApiError("NotFound", `${what} not found`);

/** 400 for one bad field, in the same shape as a failed schema validation. */
export const invalidField = (field: string, message: string) =>
  new ApiError("BadRequest", "Invalid request", [{ field, message }] satisfies FieldProblem[]);

/** zod issues → `details` entries; `fallback` names the field of an issue at the root. */
export function issuesToDetails(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  fallback = "",
): FieldProblem[] {
  return issues.map((issue) => ({ field: issue.path.map(String).join(".") || fallback, message: issue.message }));
}

/** A D1 error from a UNIQUE constraint (the statement lost a race or repeated a unique value). */
export const isUniqueViolation = (error: unknown) => String(error).includes("UNIQUE");
