import { feedParams, parseFeedQuery, type FeedQuery, type Params } from "../../insights/feed/filters";
import type { Segment } from "../../segments/queries";
import type { DashboardContext } from "../context";

/** What the company feed (and its CSV export) shows: the filter of its address, or a saved view's. */
export interface FeedRequest {
  query: FeedQuery;
  /** The saved view shown (`?view=seg_…`): its filter, with the address's days. */
  view: Segment | null;
  /** What the filter's parameters could not say (the feed then shows no rows). */
  problems: string[];
  /** A view was asked for that the organization no longer has (or never had). */
  missingView: boolean;
}

export const MISSING_VIEW = "That saved view does not exist any more.";

/** The feed of a request's parameters (query string or posted form). */
export function feedRequest(c: DashboardContext, params: Params): FeedRequest {
  const viewId = params.view?.[0];
  const view = viewId === undefined ? null : (c.get("savedViews").find((v) => v.id === viewId) ?? null);
  if (!view) return { ...parseFeedQuery(params), view: null, missingView: viewId !== undefined };
  const { query, problems } = parseFeedQuery({ from: params.from, to: params.to });
  return { query: { ...query, filter: view.filter }, view, problems, missingView: false };
}

/** The address of a feed (without a cursor): a view by its id, anything else by its filter. */
export function feedAddress(request: FeedRequest): URLSearchParams {
  if (!request.view) return feedParams(request.query);
  const params = new URLSearchParams({ view: request.view.id });
  if (request.query.from) params.set("from", request.query.from);
  if (request.query.to) params.set("to", request.query.to);
  return params;
}

/** A posted form's fields as parameters (files ignored). */
export function formParams(form: Record<string, string | File | (string | File)[]>): Params {
  const params: Params = {};
  for (const [name, value] of Object.entries(form)) {
    params[name] = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
  }
  return params;
}
