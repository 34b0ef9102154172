import type { Child } from "hono/jsx";
import { feedParams, type FeedQuery } from "../../insights/feed/filters";
import { EMPLOYEE_RANGES } from "../../segments/filter";
import { MAX_SEGMENT_NAME } from "../../segments/queries";
import { Csrf } from "../ui/components";

/**
 * The company feed's forms: its filters (GET, so every filtered feed has an address) and "Save
 * this view" (POST). A field the filter holds several values of shows one input per value.
 */

/** One input per value (at least one): `Industry`, `Or industry`, … */
function Repeated(props: {
  name: string;
  label: string;
  values: readonly string[] | undefined;
  field: (attrs: { id: string; name: string; value: string }) => Child;
}) {
  const values = props.values?.length ? props.values : [""];
  return (
    <>
      {values.map((value, i) => {
        const id = i === 0 ? props.name : `${props.name}-${i + 1}`;
        return (
          <div>
            <label for={id}>{i === 0 ? props.label : `Or ${props.label.toLowerCase()}`}</label>
            {props.field({ id, name: props.name, value })}
          </div>
        );
      })}
    </>
  );
}

export function Filters(props: {
  action: string;
  query: FeedQuery;
  suggestions: { industries: string[]; countries: string[] };
}) {
  const f = props.query.filter;
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
        <input id="from" name="from" type="date" value={props.query.from ?? ""} />
      </div>
      <div>
        <label for="to">Seen until</label>
        <input id="to" name="to" type="date" value={props.query.to ?? ""} />
      </div>
      <Repeated
        name="industry"
        label="Industry"
        values={f.industries}
        field={(a) => <input {...a} list="industries" autocomplete="off" />}
      />
      <datalist id="industries">
        {props.suggestions.industries.map((i) => (
          <option value={i} />
        ))}
      </datalist>
      <Repeated
        name="employees"
        label="Employees"
        values={f.employeeRanges}
        field={(a) => (
          <select id={a.id} name={a.name}>
            <option value="">Any size</option>
            {EMPLOYEE_RANGES.map((r) => (
              <option value={r} selected={a.value === r}>
                {r}
              </option>
            ))}
          </select>
        )}
      />
      <Repeated
        name="country"
        label="Country"
        values={f.countries}
        field={(a) => <input {...a} list="countries" maxlength={2} autocomplete="off" placeholder="e.g. US" />}
      />
      <datalist id="countries">
        {props.suggestions.countries.map((i) => (
          <option value={i} />
        ))}
      </datalist>
      <div>
        <label for="icp">ICP match</label>
        <select id="icp" name="icp">
          <option value="">Any</option>
          <option value="1" selected={f.icpMatched === true}>
            Matches only
          </option>
          <option value="0" selected={f.icpMatched === false}>
            No match only
          </option>
        </select>
      </div>
      <div>
        <label for="score">ICP score at least</label>
        <input id="score" name="score" type="number" min={0} max={100} step={1} value={f.minScore ?? ""} />
      </div>
      <div>
        <label for="pages">Viewed pages</label>
        <input
          id="pages"
          name="pages"
          value={f.pages?.join(" ") ?? ""}
          placeholder="/pricing* /demo"
          autocomplete="off"
          spellcheck={false}
        />
      </div>
      <div class="actions">
        <button type="submit">Apply filters</button>
        <a href={props.action}>Reset</a>
      </div>
    </form>
  );
}

/** "Save this view" (client admins): the feed's filter under a name, listed under Saved views. */
export function SaveView(props: { action: string; csrf: string; query: FeedQuery; name?: string; problem?: string }) {
  const hidden = [...feedParams({ filter: props.query.filter })];
  return (
    <form method="post" action={props.action} class="card save-view" aria-label="Save this view">
      <Csrf token={props.csrf} />
      {hidden.map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <label for="view-name">Name of this view</label>
      <div class="actions">
        <input
          id="view-name"
          name="name"
          required
          maxlength={MAX_SEGMENT_NAME}
          value={props.name ?? ""}
          placeholder="e.g. ICP companies on pricing"
          aria-invalid={props.problem ? "true" : undefined}
          aria-describedby={props.problem ? "view-name-problem" : undefined}
        />
        <button type="submit">Save this view</button>
      </div>
      {props.problem && (
        <p class="bad" role="alert" id="view-name-problem">
          {props.problem}
        </p>
      )}
      {(props.query.from || props.query.to) && <p class="muted">A saved view keeps the filters, not the dates.</p>}
    </form>
  );
}
