import { z } from "@hono/zod-openapi";
import { CursorQuery, DateQuery, IdentityTypeSchema, PageQuery, Timestamp } from "../../http/schemas";
import { EMPLOYEE_RANGES, SegmentFilterSchema, type SegmentFilter } from "../../segments/filter";
import { CompanySchema, PersonSchema } from "../../visitors/schemas";

const nullableString = z.string().nullable();

export const VisitorSchema = z
  .object({
    id: z.string(),
    type: IdentityTypeSchema,
    firstSeenAt: Timestamp,
    lastSeenAt: Timestamp,
    company: CompanySchema.nullable(),
    person: PersonSchema.nullable(),
    icp: z.object({
      matched: z.boolean(),
      score: z.number().int(),
      configId: nullableString,
      configName: nullableString,
    }),
    engagement: z.object({
      sessions: z.number().int(),
      pageViews: z.number().int(),
      totalTimeSeconds: z.number().int(),
      avgScrollDepth: z.number().int(),
    }),
    pages: z.object({
      landingPage: nullableString,
      lastPage: nullableString,
      topPages: z.array(z.object({ path: z.string(), views: z.number().int() })),
    }),
    source: z.object({
      referrer: nullableString,
      utmSource: nullableString,
      utmMedium: nullableString,
      utmCampaign: nullableString,
      utmTerm: nullableString,
      utmContent: nullableString,
    }),
    device: z.object({ type: nullableString, browser: nullableString, os: nullableString }),
    location: z.object({ country: nullableString, region: nullableString, city: nullableString }),
  })
  .openapi("Visitor");

/** A query parameter that may repeat (`countries=US&countries=DE`): any of its values matches. */
const repeatable = <T extends z.ZodType<unknown[], string[]>>(
  list: T,
  items: Record<string, unknown>,
  description: string,
) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((value) => (Array.isArray(value) ? value : [value]))
    .pipe(list)
    .optional()
    .openapi({ type: "array", items, description });

const filterField = SegmentFilterSchema.shape;

/** The visitors list's filters: a saved segment, a range of days, and the fields of a segment filter. */
export const VisitorListQuery = {
  ...PageQuery,
  ...CursorQuery,
  from: DateQuery.openapi({ description: "Seen on or after (YYYY-MM-DD or ISO 8601)" }),
  to: DateQuery.openapi({ description: "Seen on or before; a date includes the whole day" }),
  icpOnly: z.enum(["true", "false"]).optional(),
  search: z
    .string()
    .max(255)
    .optional()
    .openapi({ description: "Words the company's name or domain, or the person's name, start with" }),
  segmentId: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi({ description: "Only visitors of this saved segment: its filter applies together with the others" }),
  industries: repeatable(
    filterField.industries.unwrap(),
    { type: "string" },
    "Industry (any of them; repeat the parameter)",
  ),
  employeeRanges: repeatable(
    filterField.employeeRanges.unwrap(),
    { type: "string", enum: [...EMPLOYEE_RANGES] },
    "Employee range (any of them)",
  ),
  countries: repeatable(
    filterField.countries.unwrap(),
    { type: "string", example: "US" },
    "Country, ISO 3166 alpha-2: the company's, else where the visit came from (any of them)",
  ),
  minScore: z.coerce
    .number()
    .int()
    .min(0)
    .max(100)
    .optional()
    .openapi({ type: "integer", minimum: 0, maximum: 100, description: "ICP score at least" }),
  pages: repeatable(
    filterField.pages.unwrap(),
    { type: "string", example: "/pricing*" },
    "Viewed a page with this path (any of them); a trailing `*` matches every path it starts",
  ),
};

/** The segment filter a list request states with its own parameters. */
export const requestFilter = (query: {
  search?: string;
  icpOnly?: "true" | "false";
  industries?: string[];
  employeeRanges?: SegmentFilter["employeeRanges"];
  countries?: string[];
  minScore?: number;
  pages?: string[];
}): SegmentFilter => ({
  search: query.search,
  icpMatched: query.icpOnly === "true" ? true : undefined,
  industries: query.industries,
  employeeRanges: query.employeeRanges,
  countries: query.countries,
  minScore: query.minScore,
  pages: query.pages,
});
