import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError, STATUS, type ErrorBody, type ErrorCode } from "./errors";

/** An error whose `details` carry `retryAfter` (seconds) also sends it as `Retry-After` (429, 503). */
export function errorResponse(c: Context, error: ApiError): Response {
  const body: ErrorBody = { code: error.code, message: error.message, details: error.details };
  const retryAfter = (error.details as { retryAfter?: unknown } | null)?.retryAfter;
  if (typeof retryAfter === "number") c.header("Retry-After", String(retryAfter));
  return c.json(body, error.status);
}

/** The code of each status, for errors Hono raises itself; where several codes share a status, the generic one. */
const CODE_BY_STATUS = new Map<number, ErrorCode>(
  (Object.entries(STATUS) as [ErrorCode, number][])
    .filter(([code]) => code !== "InsufficientCredits" && code !== "TrialCreditLimit")
    .map(([code, status]) => [status, code]),
);

/** Hono `onError`: every failure leaves in the envelope; only unknown errors are 500s. */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) return errorResponse(c, err);
  if (err instanceof HTTPException) {
    const code = CODE_BY_STATUS.get(err.status) ?? "BadRequest";
    return errorResponse(c, new ApiError(code, err.message || code, null, { cause: err }));
  }
  console.error("unhandled error", err);
  return errorResponse(c, new ApiError("InternalError", "Internal error", null, { cause: err }));
}

/** Hono `notFound`: a path no route of the app takes, in the envelope. */
export const routeNotFound = (c: Context) =>
  handleError(new ApiError("NotFound", `No route for ${c.req.method} ${c.req.path}`), c);
