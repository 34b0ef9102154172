import { z } from "zod";

/** Employee ranges as imported company data writes them. */
export const EMPLOYEE_RANGES = [
  "1-10",
  "11-50",
  "51-200",
  "201-500",
  "501-1000",
  "1001-5000",
  "5001-10000",
  "10001+",
] as const;

/**
 * A segment's filter: which identified visitors it holds. One definition for the saved segments of
 * the partner API, the dashboard feed and its CSV export, alert rules and digests. Every field is
 * optional; an empty filter holds every identified visitor. Lists match any of their values.
 */

/** A path pattern: an exact path, or a prefix ending in `*` (`/pricing*` holds `/pricing` and `/pricing/teams`). */
export const PagePatternSchema = z
  .string()
  .trim()
  .max(200)
  .regex(/^\/[^*\s]*\*?$/, "must be a path starting with / with at most one * at its end");

export const SegmentFilterSchema = z.object({
  /** Words the company's name or domain, or the person's name, start with. */
  search: z.string().trim().min(1).max(200).optional(),
  industries: z.array(z.string().trim().min(1).max(100)).min(1).max(50).optional(),
  employeeRanges: z.array(z.enum(EMPLOYEE_RANGES)).min(1).optional(),
  /** ISO 3166 alpha-2, upper case. */
  countries: z
    .array(
      z
        .string()
        .regex(/^[A-Za-z]{2}$/, "must be a two-letter country code")
        .transform((code) => code.toUpperCase()),
    )
    .min(1)
    .max(250)
    .optional(),
  icpMatched: z.boolean().optional(),
  /** ICP score (0–100) at least this. */
  minScore: z.number().int().min(0).max(100).optional(),
  /** The visitor viewed a page matching one of these. */
  pages: z.array(PagePatternSchema).min(1).max(20).optional(),
});

export type SegmentFilter = z.output<typeof SegmentFilterSchema>;

/** True when `path` matches `pattern` (exact, or by prefix when the pattern ends in `*`). */
export function pathMatches(pattern: string, path: string): boolean {
  return pattern.endsWith("*") ? path.startsWith(pattern.slice(0, -1)) : path === pattern;
}
