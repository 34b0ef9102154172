import { Hono } from "hono";
import { isEmptyFilter, visitorQueryOf } from "../../insights/feed/filters";
import { feedView, type FeedRow } from "../../insights/feed/queries";
import { decodeVisitorCursor, encodeVisitorCursor } from "../../visitors/list";
import type { DashboardContext, DashboardEnv } from "../context";
import { Csrf, Scroll } from "../ui/components";
import { count, plural, time } from "../ui/format";
import { render } from "../ui/layout";
import { feedAddress, feedRequest, MISSING_VIEW, type FeedRequest } from "./feed-request";
import { Filters, SaveView } from "./feed-form";
import { clientFrame, clientRoot } from "./frame";

export const FEED_PAGE_SIZE = 25;

/** `GET /o/{organizationId}/companies`: identified companies, most recently seen first, filtered (or a saved view), a page at a time. */
export const companiesRoute = new Hono<DashboardEnv>().get("/o/:organizationId/companies", (c) => {
  const status = c.req.query("saved") ? "View saved: it is listed under Saved views." : undefined;
  const deleted = c.req.query("deleted") ? "The saved view was deleted." : undefined;
  return feedPage(c, feedRequest(c, c.req.queries()), { status: status ?? deleted });
});

/** What a page of the feed shows besides the feed: a status line, or the save form's problem (with its answer status). */
export interface FeedExtras {
  status?: string;
  save?: { name: string; problem: string };
  problem?: string;
  code?: 200 | 400 | 409;
}

/** The feed page of a request: also answers a refused "Save this view" or view deletion. */
export async function feedPage(c: DashboardContext, request: FeedRequest, extras: FeedExtras = {}) {
  const cursorText = c.req.query("cursor");
  const after = cursorText ? decodeVisitorCursor(cursorText) : null;
  const feed = await feedView(c.var.tenant.DB, c.get("organization").id, {
    query: visitorQueryOf(request.query),
    after,
    pageSize: FEED_PAGE_SIZE,
    rows: request.problems.length === 0,
  });
  const problems = [
    ...(request.missingView ? [MISSING_VIEW] : []),
    ...request.problems,
    ...(extras.problem ? [extras.problem] : []),
    ...(cursorText && !after ? ["That page link is not valid any more: this is the first page."] : []),
  ];
  const { view } = request;
  const page = (
    <CompaniesPage
      request={request}
      feed={feed}
      continued={after !== null}
      problems={problems}
      extras={extras}
      root={clientRoot(c)}
      csrf={c.get("csrf")}
      admin={c.get("session").role === "admin"}
    />
  );
  const frame = clientFrame(c, view ? `${view.name} · Companies` : "Companies", view ? { view: view.id } : "companies");
  return render(c, frame, page, extras.code ?? 200);
}

/**
 * A page of the feed (`continued`: not the first), with its filters, the save form of client
 * admins and what went wrong; `root`: the client's pages' root.
 */
export function CompaniesPage(props: {
  request: FeedRequest;
  feed: Awaited<ReturnType<typeof feedView>>;
  continued: boolean;
  problems: string[];
  extras: FeedExtras;
  root: string;
  csrf: string;
  admin: boolean;
}) {
  const { request, problems, extras, root, csrf, admin } = props;
  const { query, view } = request;
  const { rows, next, suggestions, total } = props.feed;
  const after = props.continued;
  const unfiltered = isEmptyFilter(query.filter) && !query.from && !query.to;
  const withQuery = (path: string, extra: Record<string, string> = {}) => {
    const q = feedAddress(request);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    const text = q.toString();
    return text ? `${path}?${text}` : path;
  };
  return (
    <>
      <h1>{view ? view.name : "Companies"}</h1>
      {view && (
        <div class="bar">
          <p class="sub">Saved view of your companies. Change a filter below to look beyond it.</p>
          {admin && (
            <form method="post" action={`${root}/views/${view.id}/delete`}>
              <Csrf token={csrf} />
              <button type="submit" class="quiet">
                Delete this view
              </button>
            </form>
          )}
        </div>
      )}
      {extras.status && (
        <p class="status" role="status">
          {extras.status}
        </p>
      )}
      {problems.length > 0 && (
        <div class="errors" role="alert">
          <ul>
            {problems.map((p) => (
              <li>{p}</li>
            ))}
          </ul>
        </div>
      )}
      <Filters action={`${root}/companies`} query={query} suggestions={suggestions} />
      {admin && !view && (!isEmptyFilter(query.filter) || extras.save) && (
        <SaveView action={`${root}/views`} csrf={csrf} query={query} {...extras.save} />
      )}
      <div class="bar">
        <p class="muted" aria-live="polite">
          {unfiltered
            ? `${plural(total, "company", "companies")} in all, most recently seen first.`
            : "Matching companies, most recently seen first."}
          {after && " (continued)"}
        </p>
        <a class="btn quiet" href={withQuery(`${root}/companies.csv`)} download>
          Export CSV
        </a>
      </div>
      {rows.length === 0 ? (
        <p class="empty card">
          {unfiltered && !after
            ? "No company identified yet. Visits appear here a few seconds after they happen."
            : "No company matches these filters."}
        </p>
      ) : (
        <Scroll label="Companies">
          <table>
            <caption class="sr">Identified companies</caption>
            <thead>
              <tr>
                <th scope="col">Company</th>
                <th scope="col">Industry</th>
                <th scope="col">Employees</th>
                <th scope="col">Country</th>
                <th scope="col" class="n">
                  ICP
                </th>
                <th scope="col">Last seen</th>
                <th scope="col" class="n">
                  Visits
                </th>
                <th scope="col" class="n">
                  Page views
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <Row row={row} href={`${root}/companies/${row.id}`} />
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
      <nav class="pager" aria-label="Pages">
        {after && <a href={withQuery(`${root}/companies`)}>First page</a>}
        {next && <a href={withQuery(`${root}/companies`, { cursor: encodeVisitorCursor(next) })}>Next page</a>}
      </nav>
    </>
  );
}

function Row(props: { row: FeedRow; href: string }) {
  const { row } = props;
  return (
    <tr>
      <td>
        <a href={props.href}>{row.name}</a>
        {row.domain && <div class="muted">{row.domain}</div>}
      </td>
      <td>{row.industry ?? "–"}</td>
      <td class="nowrap">{row.employeeRange ?? "–"}</td>
      <td>{row.country ?? "–"}</td>
      <td class="n">
        {row.icp.matched ? (
          <span class="badge ok" title={row.icp.profile ?? undefined}>
            {row.icp.score} · match
          </span>
        ) : (
          row.icp.score
        )}
      </td>
      <td class="nowrap">
        <time datetime={row.lastSeenAt}>{time(row.lastSeenAt)}</time>
      </td>
      <td class="n">{count(row.sessions)}</td>
      <td class="n">{count(row.pageViews)}</td>
    </tr>
  );
}
