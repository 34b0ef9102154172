import { pathMatches } from "../segments/filter";
import type { ActiveRule } from "./rules";

/** A rule's trigger met by an identified visitor in a stored plan; a segment and the cooldown decide the rest. */
export interface Candidate {
  rule: ActiveRule;
  organizationId: string;
  visitor: string;
  /** The visit (its session's start, unix seconds) and the hit's time. */
  session: number;
  at: number;
  /** What caused it, unique for the rule: the same cause is the same firing, however often it is replayed. */
  cause: string;
}

/**
 * What alerts read of an organization's stored plan: its charges, its visits and its page views (the
 * hits consumer's plans have these, and more).
 */
export interface StoredPlan {
  organizationId: string;
  charged: readonly { visitor: string; session: number; message: { receivedAt: number; hit: { i: string } } }[];
  visits: readonly { visitor: string; session: number; at: number; seenBefore: number | null }[];
  pageViews: readonly { visitor: string; session: number; at: number; path: string; key: string }[];
}

const DAY_SECONDS = 86_400;

/**
 * The candidates of one organization's stored plan, from what the plan already holds (no read):
 * `identified` on each charge (the first identification of the period), `returned` on a new visit of a
 * known visitor last seen at least `returnAfterDays` before, `page_viewed` on each page view matching
 * the rule's pages. One per rule and visitor, the earliest: the cooldown admits no second in a batch.
 */
export function candidatesOf(plan: StoredPlan, rules: readonly ActiveRule[]): Candidate[] {
  const found = new Map<string, Candidate>();
  const add = (rule: ActiveRule, visitor: string, session: number, at: number, cause: string) => {
    const key = `${rule.id}|${visitor}`;
    const known = found.get(key);
    if (!known || at < known.at) {
      found.set(key, { rule, organizationId: plan.organizationId, visitor, session, at, cause });
    }
  };
  for (const rule of rules) {
    if (rule.trigger === "identified") {
      for (const hit of plan.charged) {
        add(rule, hit.visitor, hit.session, Math.floor(hit.message.receivedAt / 1000), `charged|${hit.message.hit.i}`);
      }
    } else if (rule.trigger === "returned") {
      const gap = (rule.returnAfterDays ?? 0) * DAY_SECONDS;
      for (const visit of plan.visits) {
        if (visit.seenBefore === null || visit.at - visit.seenBefore < gap) continue;
        add(rule, visit.visitor, visit.session, visit.at, `returned|${visit.visitor}|${visit.session}`);
      }
    } else {
      const patterns = rule.pages ?? [];
      for (const page of plan.pageViews) {
        if (!patterns.some((pattern) => pathMatches(pattern, page.path))) continue;
        add(
          rule,
          page.visitor,
          page.session,
          page.session + page.at,
          `page|${page.visitor}|${page.session}|${page.key}`,
        );
      }
    }
  }
  return [...found.values()];
}
