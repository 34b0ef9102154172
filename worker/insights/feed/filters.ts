import { SegmentFilterSchema, type SegmentFilter } from "../../segments/filter";
import type { VisitorQuery } from "../../visitors/list";

/**
 * The company feed's filters in its address: one vocabulary for the page's form, its links, a saved
 * view and the CSV export. Each holds a segment filter (worker/segments/filter.ts) and a range of days.
 * `industry`, `employees` and `country` may repeat (any of them matches); `pages` holds patterns
 * separated by spaces (`/pricing* /demo`).
 */

/** A feed's filter: what a saved view holds, and the days visitors were last seen in. */
export interface FeedQuery {
  filter: SegmentFilter;
  /** Last seen on or after this day (YYYY-MM-DD). */
  from?: string;
  /** Last seen on or before this day. */
  to?: string;
}

/** Query parameters by name, each with every value it was given. */
export type Params = Record<string, string[] | undefined>;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const validDay = (s: string) => DAY.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));

/** What to tell the reader when a field of the filter is refused (and left out). */
const PROBLEMS: Record<keyof SegmentFilter, string> = {
  search: "The search is too long.",
  industries: "Industries must be names of at most 100 characters, at most 50 of them.",
  employeeRanges: "Unknown employee range.",
  countries: "The country must be a two-letter code such as US.",
  icpMatched: "Unknown ICP choice.",
  minScore: "The ICP score must be a whole number from 0 to 100.",
  pages: "Pages are paths starting with / (end one with * to include every page below it, e.g. /pricing*), at most 20.",
};

/** A segment filter from the feed's parameters; what cannot be understood is reported and left out, not guessed. */
function filterOf(params: Params, problems: string[]): SegmentFilter {
  const values = (name: string) => [...new Set((params[name] ?? []).map((v) => v.trim()).filter(Boolean))];
  const one = (name: string) => values(name)[0];
  const score = one("score");
  const icp = one("icp");
  const raw: Record<keyof SegmentFilter, unknown> = {
    search: one("q")?.slice(0, 200),
    industries: values("industry"),
    employeeRanges: values("employees"),
    countries: values("country"),
    icpMatched: icp === undefined ? undefined : icp === "1" ? true : icp === "0" ? false : icp,
    minScore: score === undefined ? undefined : /^\d{1,3}$/.test(score) ? Number(score) : score,
    pages: values("pages").flatMap((v) => v.split(/\s+/)),
  };
  for (const key of Object.keys(raw) as (keyof SegmentFilter)[]) {
    if (Array.isArray(raw[key]) && raw[key].length === 0) delete raw[key];
    else if (raw[key] === undefined) delete raw[key];
  }
  for (;;) {
    const parsed = SegmentFilterSchema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const refused = new Set(parsed.error.issues.map((issue) => issue.path[0] as keyof SegmentFilter));
    for (const field of refused) {
      problems.push(PROBLEMS[field]);
      delete raw[field];
    }
  }
}

/** Reads the feed's filter from its query parameters (or a posted form). */
export function parseFeedQuery(params: Params): { query: FeedQuery; problems: string[] } {
  const problems: string[] = [];
  const day = (name: "from" | "to", problem: string) => {
    const value = params[name]?.[0]?.trim();
    if (!value) return undefined;
    if (validDay(value)) return value;
    problems.push(problem);
    return undefined;
  };
  const from = day("from", "The start date must be a date (YYYY-MM-DD).");
  const to = day("to", "The end date must be a date (YYYY-MM-DD).");
  const filter = filterOf(params, problems);
  if (from && to && from > to) problems.push("The start date is after the end date.");
  return { query: { filter, ...(from && { from }), ...(to && { to }) }, problems };
}

/** The query string of a feed (without a cursor), for links, the forms and the export. */
export function feedParams(query: FeedQuery): URLSearchParams {
  const params = new URLSearchParams();
  const { filter } = query;
  if (query.from) params.set("from", query.from);
  if (query.to) params.set("to", query.to);
  if (filter.search) params.set("q", filter.search);
  for (const industry of filter.industries ?? []) params.append("industry", industry);
  for (const range of filter.employeeRanges ?? []) params.append("employees", range);
  for (const country of filter.countries ?? []) params.append("country", country);
  if (filter.icpMatched !== undefined) params.set("icp", filter.icpMatched ? "1" : "0");
  if (filter.minScore !== undefined) params.set("score", String(filter.minScore));
  if (filter.pages) params.set("pages", filter.pages.join(" "));
  return params;
}

/** Whether a filter holds every identified visitor. */
export const isEmptyFilter = (filter: SegmentFilter) => Object.values(filter).every((v) => v === undefined);

/** The visitors read model's query of a feed. */
export const visitorQueryOf = (query: FeedQuery): VisitorQuery => ({
  filters: [query.filter],
  from: query.from,
  to: query.to,
});
