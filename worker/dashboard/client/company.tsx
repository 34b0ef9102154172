import { Hono } from "hono";
import { companyStory, STORY_SESSIONS, type CompanyStory } from "../../insights/company/queries";
import type { DashboardEnv } from "../context";
import { notFoundPage } from "../signed-in";
import { Scroll } from "../ui/components";
import { count, duration, host, time } from "../ui/format";
import { render } from "../ui/layout";
import { clientFrame, clientRoot } from "./frame";
import { webLink } from "../../lib/web-link";

/** `GET /o/{organizationId}/companies/{visitorId}`: one company's firmographics, ICP fit and every visit. */
export const companyRoute = new Hono<DashboardEnv>().get("/o/:organizationId/companies/:visitorId", async (c) => {
  const story = await companyStory(c.var.tenant.DB, c.get("organization").id, c.req.param("visitorId"));
  if (!story) return notFoundPage(c);
  return render(c, clientFrame(c, nameOf(story), "companies"), <CompanyPage story={story} root={clientRoot(c)} />);
});

const nameOf = (story: CompanyStory) => story.company?.name ?? story.person?.name ?? "Unknown visitor";

/** One visitor's page; `root`: the client's pages' root. */
export function CompanyPage(props: { story: CompanyStory; root: string }) {
  const { story, root } = props;
  const name = nameOf(story);
  return (
    <>
      <p>
        <a href={`${root}/companies`}>← All companies</a>
      </p>
      <h1>{name}</h1>
      <p class="sub">
        First seen {time(story.firstSeenAt)}, last seen {time(story.lastSeenAt)}
      </p>
      <div class="grid">
        <section class="card">
          <h2>{story.company ? "Company" : "Person"}</h2>
          <Firmographics story={story} />
        </section>
        <section class="card">
          <h2>Ideal customer profile</h2>
          <Icp story={story} />
        </section>
        <section class="card">
          <h2>Engagement</h2>
          <dl class="facts">
            <dt>Visits</dt>
            <dd>{count(story.totals.sessions)}</dd>
            <dt>Page views</dt>
            <dd>{count(story.totals.pageViews)}</dd>
            <dt>Time on site</dt>
            <dd>{duration(story.totals.totalTimeSeconds)}</dd>
            <dt>Average scroll depth</dt>
            <dd>{story.totals.avgScrollDepth}%</dd>
            <dt>Last device</dt>
            <dd>{[story.device.type, story.device.browser, story.device.os].filter(Boolean).join(", ") || "–"}</dd>
          </dl>
        </section>
      </div>
      <section class="card">
        <h2>Visits</h2>
        {story.sessions.length === 0 ? (
          <p class="empty">No visit recorded.</p>
        ) : (
          story.sessions.map((s, i) => <Visit visit={s} index={story.sessions.length - i} />)
        )}
        {story.totals.sessions > STORY_SESSIONS && (
          <p class="muted">The {STORY_SESSIONS} most recent visits are shown.</p>
        )}
      </section>
    </>
  );
}

function Firmographics(props: { story: CompanyStory }) {
  const { company, person } = props.story;
  if (person) {
    return (
      <dl class="facts">
        <dt>Name</dt>
        <dd>{person.name ?? "–"}</dd>
        <dt>Job title</dt>
        <dd>{person.jobTitle ?? "–"}</dd>
        <dt>Email domain</dt>
        <dd>{person.emailDomain ?? "–"}</dd>
        <dt>Location</dt>
        <dd>{person.location ?? "–"}</dd>
      </dl>
    );
  }
  if (!company) return <p class="muted">No company data.</p>;
  const location = [company.city, company.region, company.country].filter(Boolean).join(", ");
  const linkedin = webLink(company.linkedinUrl);
  return (
    <dl class="facts">
      <dt>Domain</dt>
      <dd>{company.domain}</dd>
      <dt>Industry</dt>
      <dd>{company.industry ?? "–"}</dd>
      <dt>Employees</dt>
      <dd>{company.employeeRange ?? "–"}</dd>
      <dt>Revenue</dt>
      <dd>{company.revenueRange ?? "–"}</dd>
      <dt>Headquarters</dt>
      <dd>{location || "–"}</dd>
      {linkedin && (
        <>
          <dt>LinkedIn</dt>
          <dd>
            <a href={linkedin} rel="noopener noreferrer" target="_blank">
              Company page<span class="sr"> (opens in a new tab)</span>
            </a>
          </dd>
        </>
      )}
    </dl>
  );
}

function Icp(props: { story: CompanyStory }) {
  const { icp } = props.story;
  return (
    <>
      <p>
        <strong>Score {icp.score}</strong> of 100 ·{" "}
        {icp.matched ? <span class="ok">matches {icp.profile ?? "a profile"}</span> : <span>no profile matched</span>}
      </p>
      {icp.conditions.length > 0 && (
        <>
          <h3>What {icp.profile} asks for</h3>
          <ul>
            {icp.conditions.map((cond) => (
              <li>
                {cond.type.replace(/_/g, " ")} {cond.comparator.replace(/_/g, " ")}{" "}
                {Array.isArray(cond.value) ? cond.value.join(", ") : String(cond.value)}
                {cond.optional && <span class="muted"> (optional, raises the score)</span>}
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

function Visit(props: { visit: CompanyStory["sessions"][number]; index: number }) {
  const v = props.visit;
  const utm = [v.utm.source, v.utm.medium, v.utm.campaign].filter(Boolean).join(" / ");
  const seconds = Math.max(0, Math.round((Date.parse(v.lastSeenAt) - Date.parse(v.startedAt)) / 1000));
  return (
    <article class="session">
      <h3>
        Visit {props.index} · {time(v.startedAt)}
      </h3>
      <dl class="facts">
        <dt>Landing page</dt>
        <dd class="path">{v.landingPage ?? "–"}</dd>
        <dt>Referrer</dt>
        <dd>{v.referrer ? host(v.referrer) : "Direct"}</dd>
        <dt>UTM</dt>
        <dd>{utm || "–"}</dd>
        <dt>Length</dt>
        <dd>{duration(seconds)}</dd>
      </dl>
      {v.pages.length > 0 && (
        <Scroll label={`Pages of visit ${props.index}`}>
          <table>
            <caption class="sr">Pages of visit {props.index}</caption>
            <thead>
              <tr>
                <th scope="col">Page</th>
                <th scope="col">At</th>
                <th scope="col" class="n">
                  Time on page
                </th>
                <th scope="col" class="n">
                  Scrolled
                </th>
              </tr>
            </thead>
            <tbody>
              {v.pages.map((p) => (
                <tr>
                  <td class="path">{p.path}</td>
                  <td class="nowrap">
                    <time datetime={p.at}>{time(p.at)}</time>
                  </td>
                  <td class="n">{duration(p.engagedSeconds)}</td>
                  <td class="n">{p.scrollDepth}%</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </article>
  );
}
