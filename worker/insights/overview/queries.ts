import { addDays, unixSeconds, utcDay } from "../../lib/time";
import { ORGANIZATION_KEY } from "../../visitors/identity";

export const OVERVIEW_RANGES = [7, 30, 90] as const;
export type OverviewRange = (typeof OVERVIEW_RANGES)[number];
const TOP = 10;

/** Outcomes of hits, in the order the overview lists them: identified first, then each reason it was not. */
export const OUTCOMES = [
  "identified",
  "not_identified",
  "no_credit",
  "excluded",
  "suspicious",
  "suppressed",
  "bot",
  "referrer_not_allowed",
  "disabled",
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The rollup columns (usage_daily) behind each outcome. */
const OUTCOME_SQL: Record<Outcome, string> = {
  identified: "credits + already_charged",
  not_identified: "not_identified",
  no_credit: "no_credit",
  excluded: "excluded",
  suspicious: "suspicious",
  suppressed: "suppressed",
  bot: "bot",
  referrer_not_allowed: "referrer_not_allowed",
  disabled: "disabled",
};

export interface DayFigures {
  day: string;
  identifiedCompanies: number;
  pageViews: number;
  /** Hits by outcome (page views and identify calls; turned-away hits included). */
  hits: Record<Outcome, number>;
}

const noHits = (): Record<Outcome, number> =>
  Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;

/** Identified hits among the hits of people (bots left out): null when there were none. */
export function identificationRate(hits: Record<Outcome, number>): number | null {
  const people = OUTCOMES.reduce((n, o) => n + hits[o], 0) - hits.bot;
  return people > 0 ? hits.identified / people : null;
}

/** The overview of one organization over the last `days` UTC days, today included. */
export async function overviewOf(db: D1Database, organizationId: string, days: OverviewRange, now = Date.now()) {
  const today = utcDay(now);
  const first = addDays(today, -(days - 1));
  // Everything but the companies seen comes from the daily rollups: its cost follows days, not hits.
  const [seen, daily, pages, sources] = await db.batch<Record<string, unknown>>([
    // Each identified company (or person) once, however many days it came back.
    db
      .prepare(`SELECT count(*) AS n FROM visitors WHERE org = ${ORGANIZATION_KEY} AND last_seen >= ?`)
      .bind(organizationId, unixSeconds(Date.parse(`${first}T00:00:00Z`))),
    db
      .prepare(
        `SELECT day, page_views, identified_visitors, ${OUTCOMES.map((o) => `${OUTCOME_SQL[o]} AS ${o}`).join(", ")}
         FROM usage_daily WHERE organization_id = ? AND day >= ?`,
      )
      .bind(organizationId, first),
    db
      .prepare(
        `SELECT p.key AS path, sum(p.value) AS views FROM usage_daily u, json_each(u.pages) p
         WHERE u.organization_id = ? AND u.day >= ? GROUP BY p.key ORDER BY views DESC, path LIMIT ?`,
      )
      .bind(organizationId, first, TOP),
    // The source of a visit: its UTM source, else the referrer's host, else none ('': direct).
    db
      .prepare(
        `SELECT s.key AS source, sum(s.value) AS sessions FROM usage_daily u, json_each(u.sources) s
         WHERE u.organization_id = ? AND u.day >= ? GROUP BY s.key ORDER BY sessions DESC, source LIMIT ?`,
      )
      .bind(organizationId, first, TOP),
  ]);

  const byDay = new Map<string, DayFigures>();
  for (let d = 0; d < days; d++) {
    const day = addDays(first, d);
    byDay.set(day, { day, identifiedCompanies: 0, pageViews: 0, hits: noHits() });
  }
  for (const r of daily!.results as ({ day: string; page_views: number; identified_visitors: number } & Record<
    Outcome,
    number
  >)[]) {
    const figures = byDay.get(r.day);
    if (!figures) continue;
    figures.pageViews = r.page_views;
    figures.identifiedCompanies = r.identified_visitors;
    for (const o of OUTCOMES) figures.hits[o] = r[o];
  }
  const series = [...byDay.values()];
  const totals = noHits();
  for (const d of series) for (const o of OUTCOMES) totals[o] += d.hits[o];

  return {
    days,
    from: first,
    to: today,
    series,
    companiesSeen: (seen!.results[0] as { n: number }).n,
    totals: {
      hits: totals,
      pageViews: series.reduce((n, d) => n + d.pageViews, 0),
      identificationRate: identificationRate(totals),
    },
    topPages: pages!.results as { path: string; views: number }[],
    topSources: (sources!.results as { source: string; sessions: number }[]).map((s) => ({
      source: s.source || null,
      sessions: s.sessions,
    })),
  };
}

export type Overview = Awaited<ReturnType<typeof overviewOf>>;
