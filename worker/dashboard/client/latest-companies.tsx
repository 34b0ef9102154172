import type { FeedRow } from "../../insights/feed/queries";
import { Scroll } from "../ui/components";
import { count, time } from "../ui/format";

/** How many of the latest identified companies the overview lists. */
export const LATEST_SHOWN = 10;

/** The overview's latest identified companies, each linking to its page; `all` is the feed's address. */
export function LatestCompanies(props: { rows: FeedRow[]; root: string; all: string; days: number }) {
  return (
    <section class="card latest" aria-labelledby="latest-h">
      <div class="bar">
        <h2 id="latest-h">Latest companies</h2>
        <a href={props.all}>All companies</a>
      </div>
      {props.rows.length === 0 ? (
        <p class="empty">
          No company identified in the last {props.days} days. Visits appear here a few seconds after they happen.
        </p>
      ) : (
        <Scroll label="Latest companies">
          <table>
            <caption class="sr">The {LATEST_SHOWN} most recently seen identified companies</caption>
            <thead>
              <tr>
                <th scope="col">Company</th>
                <th scope="col">Industry</th>
                <th scope="col">Last seen</th>
                <th scope="col" class="n">
                  Visits
                </th>
                <th scope="col" class="n">
                  Page views
                </th>
                <th scope="col" class="n">
                  ICP score
                </th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr data-visitor={row.id}>
                  <td>
                    <a href={`${props.root}/companies/${row.id}`}>{row.name}</a>
                    {row.domain && <div class="muted">{row.domain}</div>}
                  </td>
                  <td>{row.industry ?? "–"}</td>
                  <td class="nowrap">
                    <time datetime={row.lastSeenAt}>{time(row.lastSeenAt)}</time>
                  </td>
                  <td class="n">{count(row.sessions)}</td>
                  <td class="n">{count(row.pageViews)}</td>
                  <td class="n">
                    {row.icp.matched ? (
                      <span class="badge ok" title={row.icp.profile ?? undefined}>
                        {row.icp.score} · match
                      </span>
                    ) : (
                      row.icp.score
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Scroll>
      )}
    </section>
  );
}
