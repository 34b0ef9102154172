import { searchWords } from "../visitors/search";
import { pathMatches, type SegmentFilter } from "../segments/filter";

/**
 * What a segment's filter looks at, for one identified visitor held in memory (alert rules test a
 * visitor the hits consumer just stored). The SQL read model of the feed answers the same question
 * for many visitors at once; both follow the rules in filter.ts.
 */
export interface SegmentFacts {
  /** The company's name and domain, or the person's name. */
  name: string | null;
  domain: string | null;
  industry: string | null;
  employeeRange: string | null;
  /** The company's country, else where the visitor was seen (ISO 3166 alpha-2). */
  country: string | null;
  icpMatched: boolean;
  icpScore: number;
  /** Paths the visitor viewed. */
  paths: readonly string[];
}

/** True when the visitor belongs to the segment: every field of the filter holds (a list: any of its values). */
export function matchesSegment(filter: SegmentFilter, facts: SegmentFacts): boolean {
  if (filter.search !== undefined && !matchesSearch(filter.search, facts)) return false;
  if (filter.industries) {
    const industry = facts.industry?.toLowerCase();
    if (!filter.industries.some((wanted) => wanted.toLowerCase() === industry)) return false;
  }
  if (filter.employeeRanges && !filter.employeeRanges.some((range) => range === facts.employeeRange)) return false;
  if (filter.countries && !filter.countries.some((code) => code === facts.country?.toUpperCase())) return false;
  if (filter.icpMatched !== undefined && filter.icpMatched !== facts.icpMatched) return false;
  if (filter.minScore !== undefined && facts.icpScore < filter.minScore) return false;
  if (filter.pages && !filter.pages.some((pattern) => facts.paths.some((path) => pathMatches(pattern, path)))) {
    return false;
  }
  return true;
}

/** As the visitor search: every word of the query starts a word of the name or the domain. */
function matchesSearch(query: string, facts: SegmentFacts): boolean {
  const wanted = searchWords(query).slice(0, 8);
  if (wanted.length === 0) return false;
  const words = [...searchWords(facts.name), ...searchWords(facts.domain)];
  return wanted.every((prefix) => words.some((word) => word.startsWith(prefix)));
}
