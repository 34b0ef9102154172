import { ORGANIZATION_KEY } from "./identity";

/**
 * Visitor search (`visitor_search`, FTS5): the words of a visitor's name and domain, each token
 * prefixed with the organization's key (`k12zacme`), so a search only ever reads its own
 * organization's terms and every word of the query matches as a prefix.
 */

/** Words as the index keeps them: lower case, split on anything that is not a letter or a digit. */
export function searchWords(text: string | null): string[] {
  if (!text) return [];
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0)
    .map((w) => w.slice(0, 40));
}

/** A visitor's document in the index: its name's and domain's words, once each. */
export function searchDocument(org: number, profile: { name: string | null; domain: string | null }): string {
  const words = new Set([...searchWords(profile.name), ...searchWords(profile.domain)]);
  return [...words].map((w) => `k${org}z${w}`).join(" ");
}

/**
 * The MATCH expression of a search, with `#` where the organization's key goes (the SQL puts it
 * in, see `SEARCH_CONDITION`); null when the query has no word. Words hold letters and digits
 * only, so nothing in them is FTS5 syntax.
 */
export function searchPattern(query: string): string | null {
  const words = searchWords(query).slice(0, 8);
  return words.length === 0 ? null : words.map((w) => `"k#z${w}"*`).join(" AND ");
}

/**
 * A condition on visitors aliased `v`: it matches the search pattern (bound first) in the
 * organization whose key `organizationKey` gives (its own parameters after).
 */
export const searchCondition = (organizationKey: string) =>
  `v.seq IN (SELECT rowid FROM visitor_search WHERE visitor_search MATCH replace(?, '#', ${organizationKey}))`;

/** Matches up to which a searched list leads with the search index; past it, walking the recency index finds a page sooner. */
export const FEW_MATCHES = 1_000;

/**
 * The organization's visitors a search matches, counted in the search index alone up to `limit`
 * (the index holds a row for every stored visitor and none for a removed one).
 */
export async function countMatches(
  db: D1Database,
  pattern: string,
  organizationId: string,
  limit: number,
): Promise<number> {
  const row = await db
    .prepare(
      `SELECT count(*) AS n FROM (SELECT 1 FROM visitor_search
         WHERE visitor_search MATCH replace(?, '#', ${ORGANIZATION_KEY}) LIMIT ?)`,
    )
    .bind(pattern, organizationId, limit)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

/** Whether a search matches few of the organization's visitors. */
export const matchesFew = async (db: D1Database, pattern: string, organizationId: string) =>
  (await countMatches(db, pattern, organizationId, FEW_MATCHES + 1)) <= FEW_MATCHES;

/**
 * The organization's condition on visitors aliased `v`. With `leadWithSearch`, the unary `+` keeps
 * SQLite from walking the organization's recency index and probing every visitor against the
 * matches (all of them when few match): the search index's rowids lead, and the matches alone are
 * sorted. Counting matches, or listing a page when few match, that is the cheaper plan.
 */
export const organizationCondition = (organizationKey: string, leadWithSearch: boolean) =>
  `${leadWithSearch ? "+" : ""}v.org = ${organizationKey}`;
