import {
  isListComparator,
  kindOf,
  type Comparator,
  type ConditionType,
  type IcpCondition,
  type IcpGroup,
} from "./schemas";

/** What ICP conditions look at, gathered from the visitor row, its company/person and its pages. */
export interface VisitorFacts {
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  utmTerm: string | null;
  utmContent: string | null;
  industry: string | null;
  /** The company's employee range label, e.g. "51-200" or "10001+". */
  employeeRange: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  domain: string | null;
  jobTitle: string | null;
  linkedinUrl: string | null;
  pageViews: number;
  sessions: number;
  /** ISO 8601. */
  lastSeenAt: string;
  /** Paths the visitor viewed. */
  paths: string[];
}

export interface EvaluableConfig {
  id: string;
  name: string;
  priority: number;
  enabled: boolean;
  createdAt: string;
  groups: IcpGroup[];
}

export interface IcpResult {
  matched: boolean;
  score: number;
  configId: string | null;
  configName: string | null;
}

export const NO_MATCH: IcpResult = { matched: false, score: 0, configId: null, configName: null };
const DAY_MS = 86_400_000;

/**
 * The visitor's ICP result: enabled configs in priority order (lower first; ties: older
 * first), the first config with a matching group wins. Its score is the best share of
 * conditions met among its matching groups, optional conditions included.
 */
export function evaluateIcp(configs: EvaluableConfig[], facts: VisitorFacts, now: number = Date.now()): IcpResult {
  for (const config of inEvaluationOrder(configs)) {
    let best = -1;
    for (const group of config.groups) {
      const share = groupShare(group, facts, now);
      if (share !== null) best = Math.max(best, share);
    }
    if (best >= 0)
      return { matched: true, score: Math.round(best * 100), configId: config.id, configName: config.name };
  }
  return NO_MATCH;
}

export function inEvaluationOrder<T extends Pick<EvaluableConfig, "priority" | "enabled" | "createdAt" | "id">>(
  configs: T[],
): T[] {
  return configs
    .filter((c) => c.enabled)
    .sort((a, b) => a.priority - b.priority || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** Share (0–1) of the group's conditions met when the group matches, else null. Optional ones never exclude. */
function groupShare(group: IcpGroup, facts: VisitorFacts, now: number): number | null {
  const results = group.conditions.map((c) => ({ optional: c.optional, holds: conditionHolds(c, facts, now) }));
  const required = results.filter((r) => !r.optional);
  const matches = group.operator === "AND" ? required.every((r) => r.holds) : required.some((r) => r.holds);
  if (!matches) return null;
  return results.filter((r) => r.holds).length / results.length;
}

/** One condition. A value the visitor does not have (no industry, no UTM tag…) fails every comparator. */
export function conditionHolds(condition: IcpCondition, facts: VisitorFacts, now: number): boolean {
  const { type, comparator, value } = condition;
  const values = (isListComparator(comparator) ? (value as unknown[]) : [value]) as (string | number)[];
  switch (kindOf(type)) {
    case "number": {
      const range = numberInput(type, facts, now);
      return range !== null && compareRange(range, comparator, values as number[]);
    }
    case "page":
      return comparePages(type, facts.paths, comparator, values.map(String));
    case "string": {
      const input = stringInput(type, facts);
      if (input === null) return false;
      return compareString(
        input,
        comparator,
        values.map((v) => normalize(type, String(v))),
      );
    }
  }
}

function compareString(input: string, comparator: Comparator, values: string[]): boolean {
  const first = values[0]!; // the schema requires a value for every comparator
  switch (comparator) {
    case "eq":
      return input === first;
    case "neq":
      return input !== first;
    case "in":
      return values.includes(input);
    case "not_in":
      return !values.includes(input);
    case "contains":
      return input.includes(first);
    case "starts_with":
      return input.startsWith(first);
    default:
      return false;
  }
}

/** Numbers are ranges (`company_size` "51-200" is [51, 200]; a count n is [n, n]): a range passes only as a whole. */
function compareRange([lo, hi]: [number, number], comparator: Comparator, values: number[]): boolean {
  const within = (v: number) => lo <= v && v <= hi;
  const first = values[0]!; // the schema requires a value for every comparator
  switch (comparator) {
    case "eq":
      return within(first);
    case "neq":
      return !within(first);
    case "in":
      return values.some(within);
    case "not_in":
      return !values.some(within);
    case "gt":
      return lo > first;
    case "gte":
      return lo >= first;
    case "lt":
      return hi < first;
    case "lte":
      return hi <= first;
    default:
      return false;
  }
}

/** `eq`/`in`: some viewed page matches; `neq`/`not_in`: no viewed page does. */
function comparePages(type: ConditionType, paths: string[], comparator: Comparator, rawValues: string[]): boolean {
  const exact = type === "page_equals";
  const values = rawValues.map((v) => (exact ? normalizePath(v) : v.trim().toLowerCase()));
  const normalized = paths.map(normalizePath);
  const seen = normalized.some((p) => values.some((v) => (exact ? p === v : p.includes(v))));
  return comparator === "eq" || comparator === "in" ? seen : !seen;
}

function numberInput(type: ConditionType, facts: VisitorFacts, now: number): [number, number] | null {
  switch (type) {
    case "page_view_count":
      return [facts.pageViews, facts.pageViews];
    case "session_count":
      return [facts.sessions, facts.sessions];
    case "last_seen_days": {
      const days = Math.max(0, Math.floor((now - Date.parse(facts.lastSeenAt)) / DAY_MS));
      return Number.isNaN(days) ? null : [days, days];
    }
    case "company_size":
      return parseEmployeeRange(facts.employeeRange);
    default:
      return null;
  }
}

/** "51-200" → [51, 200]; "10,001+" → [10001, ∞]; "500" → [500, 500]; anything else → null. */
export function parseEmployeeRange(label: string | null): [number, number] | null {
  if (!label) return null;
  const [first, second] = label.replace(/,/g, "").match(/\d+/g)?.map(Number) ?? [];
  if (first === undefined) return null;
  if (/\+\s*$|or more|and more/i.test(label) || (second === undefined && /\+/.test(label))) return [first, Infinity];
  return [first, second ?? first];
}

function stringInput(type: ConditionType, facts: VisitorFacts): string | null {
  const raw: Record<string, string | null> = {
    utm_source: facts.utmSource,
    utm_medium: facts.utmMedium,
    utm_campaign: facts.utmCampaign,
    utm_term: facts.utmTerm,
    utm_content: facts.utmContent,
    industry: facts.industry,
    employee_size_range: facts.employeeRange,
    country: facts.country,
    region: facts.region,
    city: facts.city,
    domain: facts.domain,
    job_title: facts.jobTitle,
    linkedin_url: facts.linkedinUrl,
  };
  const value = raw[type];
  return value === null || value === undefined || value.trim() === "" ? null : normalize(type, value);
}

/** Case and decoration never decide a match: "https://www.Acme.com/" and "acme.com" are one domain. */
function normalize(type: ConditionType, value: string): string {
  const v = value.trim().toLowerCase();
  if (type === "domain")
    return v
      .replace(/^[a-z]+:\/\//, "")
      .replace(/^www\./, "")
      .replace(/[/?#].*$/, "");
  if (type === "linkedin_url")
    return v
      .replace(/^[a-z]+:\/\//, "")
      .replace(/^www\./, "")
      .replace(/\/+$/, "");
  if (type === "employee_size_range") return v.replace(/\s+/g, "").replace(/,/g, "");
  return v;
}

/** Lower-cased path without a trailing slash (except "/"); a full URL counts as its path. */
function normalizePath(value: string): string {
  let v = value.trim().toLowerCase();
  if (/^[a-z]+:\/\//.test(v)) {
    try {
      v = new URL(v).pathname;
    } catch {
      /* not a URL: compare as written */
    }
  }
  return v.length > 1 ? v.replace(/\/+$/, "") || "/" : v;
}
