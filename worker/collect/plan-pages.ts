import { dayNumber } from "../visitors/keys";
import type { Visit, VisitOrigin } from "./device-state";
import type { OrganizationPlan, OrganizationState, SessionSource, SessionWrite, VisitorWrite } from "./plan-types";
import type { RollupDelta } from "./rollups";

/** H4: page views stored per visitor and UTC day; past it, they are counted on the visitor (`unstored_page_views`) but not stored. */
export const STORED_PAGE_VIEWS_PER_DAY = 500;

/**
 * A page view of an identified visitor: counted on the visitor and its session, and stored (with its
 * key on the visit, for engagement hits) while the visitor has fewer than `STORED_PAGE_VIEWS_PER_DAY`
 * stored that day and its path is known; else counted in `unstored_page_views`.
 */
export function addPageView(
  plan: OrganizationPlan,
  org: OrganizationState,
  delta: RollupDelta,
  { visitor, session, visit }: { visitor: VisitorWrite; session: SessionWrite; visit: Visit },
  page: { key: string; path: string | null; at: number; seconds: number; depth: number | null },
) {
  const day = `${visitor.id}|${dayNumber(page.at * 1000)}`;
  const stored = org.storedToday.get(day) ?? 0;
  if (page.path !== null && stored < STORED_PAGE_VIEWS_PER_DAY) {
    org.storedToday.set(day, stored + 1);
    plan.pageViews.push({
      visitor: visitor.id,
      session: session.start,
      key: page.key,
      at: Math.max(0, page.at - session.start),
      path: page.path,
      engagedSeconds: page.seconds,
      scrollDepth: page.depth,
    });
    visit.k = (visit.k ?? "") + page.key;
  } else {
    delta.counts.unstored_page_views += 1;
  }
  visitor.pageViews += 1;
  visitor.engagedSeconds += page.seconds;
  if (page.depth !== null) {
    visitor.scrollSum += page.depth;
    visitor.scrollSamples += 1;
  }
  if (page.path !== null && (page.at >= visitor.lastSeen || visitor.lastPage === null)) visitor.lastPage = page.path;
  session.pageViews += 1;
  session.lastSeen = Math.max(session.lastSeen, page.at);
}

/**
 * How an anonymous B2C visit began, from the keys it kept: its origin when found again, else its first
 * page view's path alone; null when it kept neither (the identifying hit began it).
 */
export function anonymousSource(org: OrganizationState, visit: Visit): SessionSource | null {
  const origin = visit.o ? org.texts.get(visit.o) : undefined;
  if (origin) {
    const [landing, referrer, ...utm] = JSON.parse(origin) as VisitOrigin;
    return { landing, referrer, utm };
  }
  const first = visit.p?.[0];
  if (!visit.o && !first) return null;
  return {
    landing: first ? (org.texts.get(first[1]) ?? null) : null,
    referrer: null,
    utm: [null, null, null, null, null],
  };
}

export function hostOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url).host || null;
  } catch {
    return null;
  }
}
