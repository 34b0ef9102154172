import { z } from "@hono/zod-openapi";
import { ApiError } from "../../lib/errors";
import { jsonResponse } from "../../http/routes";
import { IdParam, Timestamp } from "../../http/schemas";
import { SegmentFilterSchema } from "../../segments/filter";
import { MAX_SEGMENT_NAME, type SegmentRefusal } from "../../segments/queries";

/** The filter of a segment; unknown fields are refused rather than dropped, so a typo cannot widen it. */
export const SegmentFilterBody = SegmentFilterSchema.strict().openapi("SegmentFilter", {
  description:
    "Which identified visitors a segment holds: those matching every field given (a list matches any of its " +
    "values). `{}` holds every identified visitor.",
});

export const SegmentSchema = z
  .object({
    id: z.string().openapi({ example: "seg_0123456789abcdef0123456789abcdef" }),
    organizationId: z.string(),
    name: z.string(),
    filter: SegmentFilterBody,
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi("Segment");

export const SegmentName = z
  .string()
  .trim()
  .min(1)
  .max(MAX_SEGMENT_NAME)
  .openapi({ description: "Unique in the organization (ignoring case)", example: "ICP on pricing" });

export const segmentParams = z.object({
  organizationId: IdParam("organizationId"),
  segmentId: IdParam("segmentId").openapi({ example: "seg_0123456789abcdef0123456789abcdef" }),
});

export const segmentResponse = (description: string) => jsonResponse(description, z.object({ segment: SegmentSchema }));

/** The API's error for a segment the domain refused to write. */
export const refusal = (refused: SegmentRefusal) =>
  refused.reason === "name_taken"
    ? new ApiError("Conflict", `The organization already has a segment named "${refused.name}"`, {
        field: "name",
      })
    : new ApiError("UnprocessableEntity", `An organization can have at most ${refused.limit} segments`, {
        limit: refused.limit,
      });
