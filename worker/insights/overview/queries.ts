import type { ChargeReason } from "../../../shared/billing";
import { addDays, utcDay } from "../../lib/time";

export const OVERVIEW_RANGES = [7, 30, 90] as const;
export type OverviewRange = (typeof OVERVIEW_RANGES)[number];
const TOP = 10;

/** Outcomes of hits, in the order the overview lists them: identified first, then each reason it was not. */
export const OUTCOMES = [
  "identified",
  "not_identified",
  "no_credit",
  "excluded",
  "bot",
  "referrer_not_allowed",
  "disabled",
] as const;
export type Outcome = (typeof OUTCOMES)[number];

const outcomeOf = (reason: ChargeReason): Outcome =>
  reason === "charged" || reason === "already_charged_this_period" ? "identified" : reason;

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
  const since = `${first}T00:00:00Z`;
  const [seen, views, receipts, rejections, pages, sources] = await db.batch<Record<string, unknown>>([
    // Each identified company (or person) once, however many days it came back.
    db
      .prepare("SELECT count(*) AS n FROM visitors WHERE organization_id = ? AND last_seen_at >= ?")
      .bind(organizationId, since),
    db
      .prepare(
        `SELECT substr(occurred_at, 1, 10) AS day, count(*) FILTER (WHERE is_bot = 0) AS page_views,
           count(DISTINCT visitor_id) AS identified
         FROM page_views WHERE organization_id = ? AND occurred_at >= ? GROUP BY day`,
      )
      .bind(organizationId, since),
    db
      .prepare(
        `SELECT substr(created_at, 1, 10) AS day, reason, count(*) AS n FROM identifications
         WHERE organization_id = ? AND created_at >= ? GROUP BY day, reason`,
      )
      .bind(organizationId, since),
    db
      .prepare("SELECT day, reason, count AS n FROM rejected_hits WHERE organization_id = ? AND day >= ?")
      .bind(organizationId, first),
    db
      .prepare(
        `SELECT path, count(*) AS views FROM page_views WHERE organization_id = ? AND occurred_at >= ? AND is_bot = 0
         GROUP BY path ORDER BY views DESC, path LIMIT ?`,
      )
      .bind(organizationId, since, TOP),
    // The source of a session: its UTM source, else the referrer's host, else none (direct).
    db
      .prepare(
        `WITH s AS (SELECT utm_source, substr(referrer, instr(referrer, '://') + 3) AS rest FROM sessions
           WHERE organization_id = ? AND started_at >= ? AND is_bot = 0)
         SELECT coalesce(utm_source, nullif(substr(rest, 1, instr(rest || '/', '/') - 1), '')) AS source,
           count(*) AS sessions
         FROM s GROUP BY source ORDER BY sessions DESC, source LIMIT ?`,
      )
      .bind(organizationId, since, TOP),
  ]);

  const byDay = new Map<string, DayFigures>();
  for (let d = 0; d < days; d++) {
    const day = addDays(first, d);
    byDay.set(day, { day, identifiedCompanies: 0, pageViews: 0, hits: noHits() });
  }
  for (const r of views.results as { day: string; page_views: number; identified: number }[]) {
    const figures = byDay.get(r.day);
    if (!figures) continue;
    figures.pageViews = r.page_views;
    figures.identifiedCompanies = r.identified;
  }
  for (const r of [...receipts.results, ...rejections.results] as { day: string; reason: ChargeReason; n: number }[]) {
    const figures = byDay.get(r.day);
    if (figures) figures.hits[outcomeOf(r.reason)] += r.n;
  }
  const series = [...byDay.values()];
  const totals = noHits();
  for (const d of series) for (const o of OUTCOMES) totals[o] += d.hits[o];

  return {
    days,
    from: first,
    to: today,
    series,
    companiesSeen: (seen.results[0] as { n: number }).n,
    totals: {
      hits: totals,
      pageViews: series.reduce((n, d) => n + d.pageViews, 0),
      identificationRate: identificationRate(totals),
    },
    topPages: pages.results as { path: string; views: number }[],
    topSources: (sources.results as { source: string | null; sessions: number }[]).map((s) => ({
      source: s.source,
      sessions: s.sessions,
    })),
  };
}

export type Overview = Awaited<ReturnType<typeof overviewOf>>;
