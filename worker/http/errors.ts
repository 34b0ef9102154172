export { errorResponse, handleError } from "../lib/error-response";
export { ApiError, invalidField, isUniqueViolation, notFound } from "../lib/errors";
