import { Hono } from "hono";
import {
  OUTCOMES,
  OVERVIEW_RANGES,
  identificationRate,
  overviewOf,
  type Outcome,
  type Overview,
  type OverviewRange,
} from "../../insights/overview/queries";
import { latestVisitors, type FeedRow } from "../../insights/feed/queries";
import { organizationOf, type OrganizationView } from "../../insights/organizations";
import { addDays, utcDay } from "../../lib/time";
import { notFoundPage } from "../signed-in";
import type { DashboardEnv } from "../context";
import { DayChart } from "../ui/charts";
import { Kpi, Scroll } from "../ui/components";
import { count, day, dayShort, percent, plural } from "../ui/format";
import { render } from "../ui/layout";
import { clientFrame, clientRoot } from "./frame";
import { LatestCompanies, LATEST_SHOWN } from "./latest-companies";

/** How each outcome of a hit reads to a client. */
export const OUTCOME_LABELS: Record<Outcome, string> = {
  identified: "Identified",
  not_identified: "No company matched",
  no_credit: "No credits left",
  excluded: "Excluded by you",
  suspicious: "Suspicious (too many people on one device)",
  suppressed: "Opted out (suppressed)",
  bot: "Bots",
  referrer_not_allowed: "Site not allowed",
  disabled: "Account paused",
};

const DEFAULT_RANGE: OverviewRange = 30;

/** `GET /o/{organizationId}`: what happened on the client's site over 7, 30 or 90 days. */
export const overviewRoute = new Hono<DashboardEnv>().get("/o/:organizationId", async (c) => {
  const asked = Number(c.req.query("days"));
  const days = (OVERVIEW_RANGES as readonly number[]).includes(asked) ? (asked as OverviewRange) : DEFAULT_RANGE;
  const session = c.get("session");
  const [overview, organization, latest] = await Promise.all([
    overviewOf(c.var.tenant.DB, session.organizationId!, days),
    organizationOf(c.var.tenant, session.partnerId, session.organizationId!),
    // The overview's first day (UTC), as its figures count from it.
    latestVisitors(c.var.tenant.DB, session.organizationId!, addDays(utcDay(Date.now()), -(days - 1)), LATEST_SHOWN),
  ]);
  if (!organization) return notFoundPage(c);
  const page = (
    <OverviewPage overview={overview} organization={organization} latest={latest} days={days} root={clientRoot(c)} />
  );
  return render(c, clientFrame(c, "Overview", "overview"), page);
});

/** The overview of `days` days with the latest companies seen in them; `root`: the client's pages' root. */
export function OverviewPage(props: {
  overview: Overview;
  organization: OrganizationView;
  latest: FeedRow[];
  days: OverviewRange;
  root: string;
}) {
  const { overview, organization, latest, days, root } = props;
  return (
    <>
      <h1>Overview</h1>
      <div class="bar">
        <p class="muted">
          {day(overview.from)} to {day(overview.to)} (UTC)
        </p>
        <nav aria-label="Period">
          <ul class="legend">
            {OVERVIEW_RANGES.map((r) => (
              <li>
                <a href={`${root}?days=${r}`} aria-current={r === days ? "page" : undefined}>
                  Last {r} days
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </div>
      <div class="kpis">
        <Kpi
          label="Companies identified"
          value={count(overview.companiesSeen)}
          note={`seen in the last ${days} days`}
        />
        <Kpi label="Page views" value={count(overview.totals.pageViews)} note={`in the last ${days} days`} />
        <Kpi
          label="Identification rate"
          value={percent(overview.totals.identificationRate)}
          note="of page views by people, bots left out"
        />
        <Credits organization={organization} />
      </div>
      <LatestCompanies rows={latest} root={root} all={`${root}/companies`} days={days} />
      <div class="grid">
        <section class="card" aria-label="Identified companies per day">
          <CompaniesChart overview={overview} />
        </section>
        <section class="card" aria-label="Page views per day">
          <OutcomesChart overview={overview} />
        </section>
      </div>
      <div class="grid">
        <section class="card">
          <h2>Why page views were not identified</h2>
          <Reasons overview={overview} />
        </section>
        <section class="card">
          <h2>Top pages</h2>
          <Ranked
            label="Top pages"
            head={["Page", "Views"]}
            rows={overview.topPages.map((p) => [p.path, p.views])}
            empty="No page views in this period."
          />
        </section>
        <section class="card">
          <h2>Top sources</h2>
          <Ranked
            label="Top sources"
            head={["Source", "Visits"]}
            rows={overview.topSources.map((s) => [s.source ?? "Direct", s.sessions])}
            empty="No visits in this period."
          />
        </section>
      </div>
    </>
  );
}

function Credits(props: { organization: OrganizationView }) {
  const o = props.organization;
  return (
    <dl class="kpi card">
      <dt>Credits used</dt>
      <dd>
        {count(o.creditsUsed)} <span class="muted">of {count(o.credits)}</span>
        <meter min={0} max={Math.max(1, o.credits)} value={o.creditsUsed} aria-label="Credits used" />
        <small>
          {count(o.creditsAvailable)} available until {day(o.currentPeriodEnd)}
        </small>
      </dd>
    </dl>
  );
}

function CompaniesChart(props: { overview: Overview }) {
  const { series } = props.overview;
  return (
    <DayChart
      id="companies"
      title="Identified companies per day"
      summary={`${count(Math.max(0, ...series.map((d) => d.identifiedCompanies)))} at most on one day.`}
      days={series.map((d) => d.day)}
      stacks={[{ className: "f-brand", label: "Companies", values: series.map((d) => d.identifiedCompanies) }]}
      tips={series.map((d) => `${dayShort(d.day)}: ${plural(d.identifiedCompanies, "company", "companies")}`)}
      table={
        <Scroll label="Identified companies per day, as a table">
          <table>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col" class="n">
                  Companies
                </th>
              </tr>
            </thead>
            <tbody>
              {series.map((d) => (
                <tr>
                  <td>{day(d.day)}</td>
                  <td class="n">{count(d.identifiedCompanies)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      }
    />
  );
}

function OutcomesChart(props: { overview: Overview }) {
  const { series, totals } = props.overview;
  const shown = OUTCOMES.filter((o) => o === "identified" || totals.hits[o] > 0);
  return (
    <DayChart
      id="outcomes"
      title="Page views per day: identified, or why not"
      summary={`${count(totals.pageViews)} page views, ${percent(totals.identificationRate)} identified.`}
      days={series.map((d) => d.day)}
      stacks={shown.map((o) => ({
        className: `o-${o}`,
        label: OUTCOME_LABELS[o],
        values: series.map((d) => d.hits[o]),
      }))}
      tips={series.map(
        (d) =>
          `${dayShort(d.day)}: ${count(d.pageViews)} page views, ${percent(identificationRate(d.hits))} identified`,
      )}
      table={
        <Scroll label="Page views per day, as a table">
          <table>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col" class="n">
                  Page views
                </th>
                <th scope="col" class="n">
                  Identification rate
                </th>
                {shown.map((o) => (
                  <th scope="col" class="n">
                    {OUTCOME_LABELS[o]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {series.map((d) => (
                <tr>
                  <td class="nowrap">{day(d.day)}</td>
                  <td class="n">{count(d.pageViews)}</td>
                  <td class="n">{percent(identificationRate(d.hits))}</td>
                  {shown.map((o) => (
                    <td class="n">{count(d.hits[o])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      }
    />
  );
}

function Reasons(props: { overview: Overview }) {
  const hits = props.overview.totals.hits;
  const missed = OUTCOMES.filter((o) => o !== "identified");
  const total = OUTCOMES.reduce((n, o) => n + hits[o], 0);
  if (total === 0) return <p class="empty">No page views in this period.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Reason</th>
          <th scope="col" class="n">
            Page views
          </th>
          <th scope="col" class="n">
            Share
          </th>
        </tr>
      </thead>
      <tbody>
        {missed.map((o) => (
          <tr>
            <th scope="row">{OUTCOME_LABELS[o]}</th>
            <td class="n">{count(hits[o])}</td>
            <td class="n">{percent(hits[o] / total)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Ranked(props: { label: string; head: [string, string]; rows: [string, number][]; empty: string }) {
  if (props.rows.length === 0) return <p class="empty">{props.empty}</p>;
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">{props.head[0]}</th>
          <th scope="col" class="n">
            {props.head[1]}
          </th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map(([name, value]) => (
          <tr>
            <td class="path">{name}</td>
            <td class="n">{count(value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
