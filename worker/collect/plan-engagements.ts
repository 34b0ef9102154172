import { deviceId, deviceOf, visitPages } from "./device-state";
import type { EngagementWrite, OrganizationPlan, OrganizationState, PreparedHit } from "./plan-types";
import type { RollupDelta } from "./rollups";

/** An engagement hit whose page view is not counted yet is retried until its message's attempt (docs/collect.md). */
export const ENGAGEMENT_ATTEMPTS = 3;

/**
 * The engagement hits of the batch (after its visits are planned): each raises the engaged seconds
 * and scroll depth of its page view, found on its device or among the visitor's stored page views,
 * or of an anonymous B2C page view still pending. A page view not counted yet makes the hit wait
 * (`plan.waiting`) until its last attempt, when it is counted late.
 */
export function planEngagements(
  org: OrganizationState,
  hits: PreparedHit[],
  plan: OrganizationPlan,
  rollup: (day: number) => RollupDelta,
): EngagementWrite[] {
  const engagements = new Map<string, EngagementWrite>();
  for (const h of hits) {
    if (h.message.hit.t !== "e") continue;
    const { s, d } = h.message.hit;
    const device = org.devices.get(deviceId(h.day, h.device));
    const visit = device?.visits.find((v) => visitPages(v).includes(h.pageKey!));
    const pending = device?.visits.flatMap((v) => v.p ?? []).find((p) => p[0] === h.pageKey);
    // The page view's visit: on this device, else (another address or browser) a stored page view of the
    // visitor this hit's address or email identifies.
    const stored = h.visitor ? org.pages.get(`${h.visitor}|${h.pageKey}`) : undefined;
    const found = visit?.v
      ? { visitor: visit.v, session: visit.s }
      : stored !== undefined
        ? { visitor: h.visitor!, session: stored }
        : null;
    if (found) {
      const id = `${found.visitor}|${found.session}|${h.pageKey}`;
      const e = engagements.get(id) ?? { ...found, key: h.pageKey!, seconds: 0, depth: 0 };
      e.seconds = Math.max(e.seconds, s);
      e.depth = Math.max(e.depth, d);
      engagements.set(id, e);
    } else if (pending) {
      pending[3] = Math.max(pending[3], s);
      pending[4] = Math.max(pending[4] ?? 0, d);
      device!.changed = true;
    } else if (device?.seen.includes(h.pageKey!) || device?.seen.includes(h.key)) {
      // The page view was counted but nobody was identified (or this hit was already dropped): nothing to keep.
    } else if (h.attempts < ENGAGEMENT_ATTEMPTS) {
      plan.waiting.add(h.message.hit.i);
    } else {
      const delta = rollup(h.day);
      const late = deviceOf(org, h, false, delta);
      late.seen.push(h.key);
      late.changed = true;
      delta.counts.late_engagements += 1;
    }
  }
  return [...engagements.values()];
}
