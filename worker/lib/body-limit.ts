import { bodyLimit } from "hono/body-limit";
import { ApiError } from "./errors";

/** Largest JSON body of a partner or operator route (imports stream NDJSON under limits of their own). */
export const MAX_JSON_BODY_BYTES = 256 * 1024;

/**
 * 413 `PayloadTooLarge` in the envelope for a body over `maxBytes`. Bytes are counted as they
 * stream in (a body without `Content-Length` is read no further than the limit), not as UTF-16.
 */
export const limitBody = (maxBytes: number) =>
  bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw payloadTooLarge(maxBytes);
    },
  });

export const payloadTooLarge = (maxBytes: number, what = "Body") =>
  new ApiError("PayloadTooLarge", `${what} larger than ${maxBytes} bytes`, { limit: maxBytes });
