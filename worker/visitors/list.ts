import { COUNT_LIMIT } from "../http/schemas";
import { decodeCursor, encodeCursor } from "../lib/cursor";
import { endBound, startBound, unixSeconds } from "../lib/time";
import type { SegmentFilter } from "../segments/filter";
import { ORGANIZATION_KEY, type VisitorRow } from "./identity";
import { countMatches, FEW_MATCHES, organizationCondition, searchCondition, searchPattern } from "./search";

/**
 * The one read model of an organization's identified visitors, most recently seen first: the
 * partner API's visitor list, the dashboard's company feed and its CSV export all read it.
 * Every read walks the organization's recency index (`visitors_by_recency`, or `visitors_by_icp`
 * for ICP matches), or leads with the search index when a search matches few visitors.
 */

/** Which visitors a list holds: those every filter holds (a saved segment's, the request's), last seen within the range. */
export interface VisitorQuery {
  filters: SegmentFilter[];
  /** Last seen on or after this (YYYY-MM-DD from the start of that day, or ISO 8601). */
  from?: string;
  /** Last seen on or before this (YYYY-MM-DD up to the end of that day, or ISO 8601). */
  to?: string;
  /** First seen within [from, before) (unix seconds, either bound optional): who was new in a period. */
  firstSeen?: { from?: number; before?: number };
  /** A visit (session) started within [from, before) (unix seconds): who came in a period. */
  visited?: { from: number; before: number };
}

/** A visitor with the name of the ICP config it matched. */
export type ListedVisitorRow = VisitorRow & { icp_config_name: string | null };

/** Where a page ended: the last row's last-seen time and seq (the list's sort key). */
export interface VisitorCursor {
  lastSeen: number;
  seq: number;
}

export const encodeVisitorCursor = (cursor: VisitorCursor) => encodeCursor([cursor.lastSeen, cursor.seq]);

/** null for anything that is not a cursor of this list. */
export function decodeVisitorCursor(text: string): VisitorCursor | null {
  const values = decodeCursor(text, ["number", "number"] as const);
  return values ? { lastSeen: values[0], seq: values[1] } : null;
}

interface Condition {
  sql: string;
  params: unknown[];
}

const json = (values: readonly unknown[]) => JSON.stringify(values);

/**
 * A page view of the visitor (`page_views` keyed by visitor seq: a probe of its own primary-key
 * range) whose path is one of `exact` or starts with one of `prefixes`.
 */
export const VIEWED_PAGE = `EXISTS (SELECT 1 FROM page_views pv WHERE pv.visitor = v.seq AND (
  pv.path IN (SELECT value FROM json_each(?))
  OR EXISTS (SELECT 1 FROM json_each(?) p WHERE substr(pv.path, 1, length(p.value)) = p.value)))`;

/** The conditions of one filter on visitors aliased `v`, search apart. Lists travel as one JSON parameter each (D1 binds at most 100). */
function conditionsOf(filter: SegmentFilter): Condition[] {
  const conditions: Condition[] = [];
  // `v.icp_matched = 1` is what lets the partial index visitors_by_icp (org, last_seen DESC) serve the read.
  if (filter.icpMatched !== undefined)
    conditions.push({ sql: `v.icp_matched = ${filter.icpMatched ? 1 : 0}`, params: [] });
  if (filter.minScore !== undefined) conditions.push({ sql: "v.icp_score >= ?", params: [filter.minScore] });
  if (filter.industries) {
    conditions.push({
      sql: "lower(v.industry) IN (SELECT lower(value) FROM json_each(?))",
      params: [json(filter.industries)],
    });
  }
  if (filter.employeeRanges) {
    conditions.push({
      sql: "v.employee_range IN (SELECT value FROM json_each(?))",
      params: [json(filter.employeeRanges)],
    });
  }
  if (filter.countries) {
    // The company's country, else where the visit came from (what the feed shows).
    conditions.push({
      sql: "coalesce(v.hq_country, v.country) IN (SELECT value FROM json_each(?))",
      params: [json(filter.countries)],
    });
  }
  if (filter.pages) {
    const exact = filter.pages.filter((p) => !p.endsWith("*"));
    const prefixes = filter.pages.filter((p) => p.endsWith("*")).map((p) => p.slice(0, -1));
    conditions.push({ sql: VIEWED_PAGE, params: [json(exact), json(prefixes)] });
  }
  return conditions;
}

/**
 * The visitors of a query, planned: its WHERE clause (with and without the search leading), and
 * what the search index already told (whether a search leads, and the total when it was counted whole).
 */
export class VisitorList {
  private constructor(
    private readonly db: D1Database,
    private readonly organizationId: string,
    private readonly conditions: Condition[],
    /** The search's MATCH pattern; null without a search. */
    private readonly pattern: string | null,
    /** Whether the search index leads the read (a search matching few visitors). */
    private readonly leads: boolean,
    /** The total, when the search index counted it (a search alone). */
    readonly knownTotal: number | null,
  ) {}

  /**
   * Plans a query. A search is counted in its index first: alone, that count (up to COUNT_LIMIT,
   * when `counted`) is the total; with other filters, it only says whether the search should lead.
   */
  static async plan(db: D1Database, organizationId: string, query: VisitorQuery, counted = false) {
    const conditions = query.filters.flatMap(conditionsOf);
    if (query.from)
      conditions.push({ sql: "v.last_seen >= ?", params: [unixSeconds(Date.parse(startBound(query.from)))] });
    if (query.to) conditions.push({ sql: "v.last_seen <= ?", params: [unixSeconds(Date.parse(endBound(query.to)))] });
    if (query.firstSeen?.from !== undefined)
      conditions.push({ sql: "v.first_seen >= ?", params: [query.firstSeen.from] });
    if (query.firstSeen?.before !== undefined)
      conditions.push({ sql: "v.first_seen < ?", params: [query.firstSeen.before] });
    if (query.visited) {
      conditions.push({
        sql: "EXISTS (SELECT 1 FROM sessions s WHERE s.visitor = v.seq AND s.start >= ? AND s.start < ?)",
        params: [query.visited.from, query.visited.before],
      });
    }
    const searches = query.filters.flatMap((f) => (f.search === undefined ? [] : [f.search]));
    if (searches.length === 0) return new VisitorList(db, organizationId, conditions, null, false, null);
    // Every search must match: their words together (a search without a word matches nothing).
    const pattern = searches.some((text) => searchPattern(text) === null) ? null : searchPattern(searches.join(" "));
    if (pattern === null) {
      conditions.push({ sql: "false", params: [] });
      return new VisitorList(db, organizationId, conditions, null, false, 0);
    }
    const whole = counted && conditions.length === 0;
    const matches = await countMatches(db, pattern, organizationId, whole ? COUNT_LIMIT : FEW_MATCHES + 1);
    return new VisitorList(db, organizationId, conditions, pattern, matches <= FEW_MATCHES, whole ? matches : null);
  }

  /** Whether the list holds every visitor of the organization. */
  get unfiltered(): boolean {
    return this.conditions.length === 0 && this.pattern === null;
  }

  private where(leadWithSearch: boolean, after: VisitorCursor | null = null) {
    const conditions: Condition[] = [
      { sql: organizationCondition(ORGANIZATION_KEY, leadWithSearch), params: [this.organizationId] },
      ...this.conditions,
    ];
    if (this.pattern !== null) {
      conditions.push({ sql: searchCondition(ORGANIZATION_KEY), params: [this.pattern, this.organizationId] });
    }
    if (after) {
      conditions.push({
        sql: "v.last_seen <= ? AND (v.last_seen < ? OR v.seq > ?)",
        params: [after.lastSeen, after.lastSeen, after.seq],
      });
    }
    return {
      sql: `WHERE ${conditions.map((c) => c.sql).join(" AND ")}`,
      params: conditions.flatMap((c) => c.params),
    };
  }

  /** The list's `WHERE …` on visitors aliased `v`, for a read that joins more to them (a digest's top pages). */
  whereClause(): { sql: string; params: unknown[] } {
    return this.where(this.leads);
  }

  /** Up to `limit` rows after the cursor (or after `offset` rows), most recently seen first; ties in the order stored. */
  page(o: { after: VisitorCursor | null; limit: number; offset?: number }): D1PreparedStatement {
    const { sql, params } = this.where(this.leads, o.after);
    return this.db
      .prepare(
        `SELECT v.*, ic.name AS icp_config_name
         FROM visitors v LEFT JOIN icp_configs ic ON ic.id = v.icp_config_id
         ${sql} ORDER BY v.last_seen DESC, v.seq LIMIT ? OFFSET ?`,
      )
      .bind(...params, o.limit, o.after ? 0 : (o.offset ?? 0));
  }

  /**
   * How many visitors the list holds (`{ total }`): unfiltered, the consumer's running count of the
   * organization; filtered, its matches counted up to COUNT_LIMIT. null when the search index counted it already.
   */
  count(): D1PreparedStatement | null {
    if (this.knownTotal !== null) return null;
    if (this.unfiltered) {
      return this.db
        .prepare("SELECT coalesce((SELECT visitors FROM organization_keys WHERE organization_id = ?), 0) AS total")
        .bind(this.organizationId);
    }
    const { sql, params } = this.where(this.pattern !== null);
    return this.db
      .prepare(`SELECT count(*) AS total FROM (SELECT 1 FROM visitors v ${sql} LIMIT ${COUNT_LIMIT})`)
      .bind(...params);
  }
}

/** A page read: its rows and, when more follow, the cursor of the next page. */
export function pageOfRows(result: D1Result, limit: number): { rows: ListedVisitorRow[]; next: VisitorCursor | null } {
  const found = result.results as ListedVisitorRow[];
  const rows = found.slice(0, limit);
  const last = rows.at(-1);
  return { rows, next: found.length > limit && last ? { lastSeen: last.last_seen, seq: last.seq } : null };
}

/** A page of the list (read with `limit + 1` rows, to know whether another follows) and, when `counted`, its total. */
export async function listVisitors(
  db: D1Database,
  organizationId: string,
  query: VisitorQuery,
  o: { after: VisitorCursor | null; limit: number; offset?: number; counted: boolean },
) {
  const list = await VisitorList.plan(db, organizationId, query, o.counted);
  const count = o.counted ? list.count() : null;
  const [rows, counted] = await db.batch([list.page({ ...o, limit: o.limit + 1 }), ...(count ? [count] : [])]);
  return {
    ...pageOfRows(rows!, o.limit),
    total: list.knownTotal ?? (counted?.results[0] as { total: number } | undefined)?.total ?? null,
  };
}

/** Rows per read while reading a whole list: each is one indexed range read, so memory stays flat. */
export const CHUNK = 500;

/** Every visitor of the query, in list order, read chunk by chunk (the CSV export). */
export async function* allVisitors(db: D1Database, organizationId: string, query: VisitorQuery) {
  const list = await VisitorList.plan(db, organizationId, query);
  let after: VisitorCursor | null = null;
  for (;;) {
    const { rows, next } = pageOfRows(await list.page({ after, limit: CHUNK + 1 }).run(), CHUNK);
    yield* rows;
    if (!next) return;
    after = next;
  }
}
