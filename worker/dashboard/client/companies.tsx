import { Hono } from "hono";
import { decodeCursor, encodeCursor } from "../../insights/feed/cursor";
import { EMPLOYEE_RANGES, filterQuery, parseFeedFilter, type FeedFilter } from "../../insights/feed/filters";
import { feedView, type FeedRow } from "../../insights/feed/queries";
import type { DashboardEnv } from "../context";
import { Scroll } from "../ui/components";
import { count, plural, time } from "../ui/format";
import { render } from "../ui/layout";
import { clientFrame, clientRoot } from "./frame";

export const FEED_PAGE_SIZE = 25;

/** `GET /o/{organizationId}/companies`: identified companies, most recently seen first, filtered, a page at a time. */
export const companiesRoute = new Hono<DashboardEnv>().get("/o/:organizationId/companies", async (c) => {
  const { filter, problems } = parseFeedFilter(c.req.query());
  const cursorText = c.req.query("cursor");
  const after = decodeCursor(cursorText);
  const unfiltered = Object.values(filter).every((v) => v === undefined);
  const { rows, next, suggestions, total } = await feedView(c.var.tenant.DB, c.get("organization").id, {
    filter,
    after,
    pageSize: FEED_PAGE_SIZE,
    rows: problems.length === 0,
  });
  if (cursorText && !after) problems.push("That page link is not valid any more: this is the first page.");
  const root = clientRoot(c);
  const query = filterQuery(filter);
  const withQuery = (path: string, extra: Record<string, string> = {}) => {
    const q = new URLSearchParams(query);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    const text = q.toString();
    return text ? `${path}?${text}` : path;
  };
  return render(
    c,
    clientFrame(c, "Companies", "companies"),
    <>
      <h1>Companies</h1>
      {problems.length > 0 && (
        <div class="errors" role="alert">
          <ul>
            {problems.map((p) => (
              <li>{p}</li>
            ))}
          </ul>
        </div>
      )}
      <Filters action={`${root}/companies`} filter={filter} suggestions={suggestions} />
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
        {next && <a href={withQuery(`${root}/companies`, { cursor: encodeCursor(next) })}>Next page</a>}
      </nav>
    </>,
  );
});

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

function Filters(props: {
  action: string;
  filter: FeedFilter;
  suggestions: { industries: string[]; countries: string[] };
}) {
  const f = props.filter;
  return (
    <form
      class="filters card"
      method="get"
      action={props.action}
      data-clean
      role="search"
      aria-label="Filter companies"
    >
      <div>
        <label for="q">Search</label>
        <input id="q" name="q" type="search" value={f.search ?? ""} placeholder="Name or domain" />
      </div>
      <div>
        <label for="from">Seen from</label>
        <input id="from" name="from" type="date" value={f.from ?? ""} />
      </div>
      <div>
        <label for="to">Seen until</label>
        <input id="to" name="to" type="date" value={f.to ?? ""} />
      </div>
      <div>
        <label for="industry">Industry</label>
        <input id="industry" name="industry" list="industries" value={f.industry ?? ""} autocomplete="off" />
        <datalist id="industries">
          {props.suggestions.industries.map((i) => (
            <option value={i} />
          ))}
        </datalist>
      </div>
      <div>
        <label for="employees">Employees</label>
        <select id="employees" name="employees">
          <option value="">Any size</option>
          {EMPLOYEE_RANGES.map((r) => (
            <option value={r} selected={f.employees === r}>
              {r}
            </option>
          ))}
        </select>
      </div>
      <div>
        <label for="country">Country</label>
        <input
          id="country"
          name="country"
          list="countries"
          value={f.country ?? ""}
          maxlength={2}
          autocomplete="off"
          placeholder="e.g. US"
        />
        <datalist id="countries">
          {props.suggestions.countries.map((i) => (
            <option value={i} />
          ))}
        </datalist>
      </div>
      <div>
        <label class="check">
          <input type="checkbox" name="icp" value="1" checked={f.icp === true} /> ICP matches only
        </label>
      </div>
      <div class="actions">
        <button type="submit">Apply filters</button>
        <a href={props.action}>Reset</a>
      </div>
    </form>
  );
}
