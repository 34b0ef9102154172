/** The company feed's filters: one vocabulary for the page's form, its links and the CSV export. */

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

export interface FeedFilter {
  /** Last seen on or after this day (YYYY-MM-DD). */
  from?: string;
  /** Last seen on or before this day. */
  to?: string;
  /** Only visitors matching an ICP profile. */
  icp?: boolean;
  industry?: string;
  employees?: string;
  /** ISO 3166 alpha-2, upper case. */
  country?: string;
  /** Company name or domain, or a person's name. */
  search?: string;
}

export const FILTER_PARAMS = ["from", "to", "icp", "industry", "employees", "country", "q"] as const;
type Params = Partial<Record<(typeof FILTER_PARAMS)[number], string>>;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const validDay = (s: string) => DAY.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));

/** Reads the filters from query parameters; what cannot be understood is reported, not guessed. */
export function parseFeedFilter(params: Params): { filter: FeedFilter; problems: string[] } {
  const problems: string[] = [];
  const text = (name: keyof Params) => params[name]?.trim().slice(0, 200) || undefined;
  const checked = (name: keyof Params, valid: (value: string) => boolean, problem: string) => {
    const value = text(name);
    if (value === undefined || valid(value)) return value;
    problems.push(problem);
    return undefined;
  };
  const filter: FeedFilter = {
    from: checked("from", validDay, "The start date must be a date (YYYY-MM-DD)."),
    to: checked("to", validDay, "The end date must be a date (YYYY-MM-DD)."),
    icp: params.icp === "1" || undefined,
    industry: text("industry"),
    employees: checked(
      "employees",
      (v) => (EMPLOYEE_RANGES as readonly string[]).includes(v),
      "Unknown employee range.",
    ),
    country: checked(
      "country",
      (v) => /^[a-z]{2}$/i.test(v),
      "The country must be a two-letter code such as US.",
    )?.toUpperCase(),
    search: text("q"),
  };
  if (filter.from && filter.to && filter.from > filter.to) problems.push("The start date is after the end date.");
  return { filter, problems };
}

/** The query string of a filter (without a cursor), for links, the form and the export. */
export function filterQuery(filter: FeedFilter): URLSearchParams {
  const query = new URLSearchParams();
  if (filter.from) query.set("from", filter.from);
  if (filter.to) query.set("to", filter.to);
  if (filter.icp) query.set("icp", "1");
  if (filter.industry) query.set("industry", filter.industry);
  if (filter.employees) query.set("employees", filter.employees);
  if (filter.country) query.set("country", filter.country);
  if (filter.search) query.set("q", filter.search);
  return query;
}
