import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Error codes of the contract (`../shared/spec/partner-api.md`, Conventions). */
export type ErrorCode =
  | "BadRequest"
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "Conflict"
  | "PayloadTooLarge"
  | "InsufficientCredits"
  | "TrialCreditLimit"
  | "UnprocessableEntity"
  | "RateLimited"
  | "InternalError";

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
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
};

/** The one error envelope: `{ code, message, details }`. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details: unknown;
}

/** Thrown anywhere in a request; turned into the envelope by `onError`. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
  }
  get status(): ContentfulStatusCode {
    return STATUS[this.code];
  }
}

export const notFound = (what: string) => new ApiError("NotFound", `${what} not found`);

export function errorResponse(c: Context, error: ApiError): Response {
  const body: ErrorBody = { code: error.code, message: error.message, details: error.details };
  return c.json(body, error.status);
}

const CODE_BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: "BadRequest",
  401: "Unauthorized",
  403: "Forbidden",
  404: "NotFound",
  409: "Conflict",
  413: "PayloadTooLarge",
  422: "UnprocessableEntity",
  429: "RateLimited",
};

/** Hono `onError`: every failure leaves in the envelope; only unknown errors are 500s. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return errorResponse(c, err);
  if (err instanceof HTTPException) {
    const code = CODE_BY_STATUS[err.status] ?? "BadRequest";
    return errorResponse(c, new ApiError(code, err.message || code));
  }
  console.error("unhandled error", err);
  return errorResponse(c, new ApiError("InternalError", "Internal error"));
}
