import type { ChargeReason } from "../../shared/billing";

/**
 * The daily rollup of an organization (`usage_daily`): counters, plus its top pages and top
 * sources. The consumer adds up a batch's hits per organization and day in JS and writes one
 * upsert per (organization, day), in the batch that records the hits as counted.
 */

export const ROLLUP_COUNTS = [
  "events",
  "identifications",
  "credits",
  "page_views",
  "visitors",
  "identified_visitors",
  "new_visitors",
  "already_charged",
  "no_credit",
  "not_identified",
  "bot",
  "excluded",
  "suspicious",
  "suppressed",
  "referrer_not_allowed",
  "disabled",
  "late_engagements",
  "devices",
  "untracked",
  "unstored_page_views",
] as const;
export type RollupCount = (typeof ROLLUP_COUNTS)[number];

/** The rollup column counting each outcome of a hit. */
export const OUTCOME_COLUMN: Record<ChargeReason, RollupCount> = {
  charged: "credits",
  already_charged_this_period: "already_charged",
  no_credit: "no_credit",
  not_identified: "not_identified",
  bot: "bot",
  excluded: "excluded",
  suspicious: "suspicious",
  suppressed: "suppressed",
  referrer_not_allowed: "referrer_not_allowed",
  disabled: "disabled",
};

/**
 * Entries kept per day in `pages` and `sources`. After each merge the entries with the most views
 * stay; the views of those that fall out move to `other_pages` / `other_sources`, so the totals
 * still add up. A count is exact for an entry that stayed in the top all day.
 */
export const TOP_ENTRIES = 50;
/** Longest path or source kept in the rollup. */
export const TOP_KEY_LENGTH = 200;

export interface RollupDelta {
  day: string;
  counts: Record<RollupCount, number>;
  /** Unix seconds of the latest page view or identify call, 0 when none. */
  lastHit: number;
  pages: Map<string, number>;
  sources: Map<string, number>;
}

export const emptyDelta = (day: string): RollupDelta => ({
  day,
  counts: Object.fromEntries(ROLLUP_COUNTS.map((c) => [c, 0])) as Record<RollupCount, number>,
  lastHit: 0,
  pages: new Map(),
  sources: new Map(),
});

export function addEntry(entries: Map<string, number>, key: string, n = 1) {
  const k = key.slice(0, TOP_KEY_LENGTH);
  entries.set(k, (entries.get(k) ?? 0) + n);
}

/** The top entries as JSON, and the views of the rest. */
function top(entries: Map<string, number>): [string, number] {
  const sorted = [...entries].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const kept = sorted.slice(0, TOP_ENTRIES);
  const rest = sorted.slice(TOP_ENTRIES).reduce((n, [, v]) => n + v, 0);
  return [JSON.stringify(Object.fromEntries(kept)), rest];
}

/**
 * The stored entries merged with the new ones (views added per key), each JSON list read once: the
 * top entries kept, and the views of the rest added to the other column.
 */
const mergeSet = (column: string, other: string) => `
  (${column}, ${other}) = (
    SELECT coalesce(json_group_object(k, n) FILTER (WHERE place <= ${TOP_ENTRIES}), '{}'),
      usage_daily.${other} + excluded.${other} + coalesce(sum(n) FILTER (WHERE place > ${TOP_ENTRIES}), 0)
    FROM (SELECT k, n, row_number() OVER (ORDER BY n DESC, k) AS place FROM (
      SELECT key AS k, sum(value) AS n FROM (
        SELECT key, value FROM json_each(usage_daily.${column}) UNION ALL SELECT key, value FROM json_each(excluded.${column}))
      GROUP BY key)))`;

const UPSERT = `
  INSERT INTO usage_daily (organization_id, day, ${ROLLUP_COUNTS.join(", ")}, last_hit, pages, other_pages, sources,
    other_sources)
  VALUES (?, ?, ${ROLLUP_COUNTS.map(() => "?").join(", ")}, nullif(?, 0), ?, ?, ?, ?)
  ON CONFLICT (organization_id, day) DO UPDATE SET
    ${ROLLUP_COUNTS.map((c) => `${c} = ${c} + excluded.${c}`).join(", ")},
    last_hit = nullif(max(coalesce(last_hit, 0), coalesce(excluded.last_hit, 0)), 0),
    ${mergeSet("pages", "other_pages")},
    ${mergeSet("sources", "other_sources")}`;

export function rollupStatement(db: D1Database, organizationId: string, delta: RollupDelta): D1PreparedStatement {
  const [pages, otherPages] = top(delta.pages);
  const [sources, otherSources] = top(delta.sources);
  return db
    .prepare(UPSERT)
    .bind(
      organizationId,
      delta.day,
      ...ROLLUP_COUNTS.map((c) => delta.counts[c]),
      delta.lastHit,
      pages,
      otherPages,
      sources,
      otherSources,
    );
}
