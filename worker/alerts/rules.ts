import type { AlertChannelType, AlertTrigger } from "../../shared/alerts";
import { SegmentFilterSchema, type SegmentFilter } from "../segments/filter";

/** An enabled rule as the hits consumer applies it, with the channels it can send to. */
export interface ActiveRule {
  id: string;
  organizationId: string;
  name: string;
  trigger: AlertTrigger;
  pages: string[] | null;
  returnAfterDays: number | null;
  cooldownSeconds: number;
  /** Undefined without a segment; null when its segment is gone or unreadable (then it matches nobody). */
  segment: SegmentFilter | null | undefined;
  channels: ActiveChannel[];
}

/** A channel a rule sends to; an e-mail channel with its recipients (one delivery each). */
export interface ActiveChannel {
  id: string;
  type: AlertChannelType;
  recipients?: string[];
}

interface ActiveRuleRow {
  id: string;
  organization_id: string;
  name: string;
  trigger: AlertTrigger;
  pages: string | null;
  return_after_days: number | null;
  cooldown_hours: number;
  segment_id: string | null;
  segment_filter: string | null;
  channels: string;
}

/**
 * The enabled rules of these organizations with their usable channels, for the hits consumer's first
 * batch of reads (`activeRulesFrom` reads the answer). An organization without rules costs one probe
 * of `alert_rules_by_organization`.
 */
export const activeRulesStatement = (db: D1Database, organizationIds: string[]) =>
  db
    .prepare(
      `SELECT r.id, r.organization_id, r.name, r.trigger, r.pages, r.return_after_days, r.cooldown_hours, r.segment_id,
         s.filter AS segment_filter,
         (SELECT json_group_array(json_array(c.id, c.type, CASE c.type WHEN 'email' THEN json(c.target) END))
          FROM alert_channels c
          WHERE c.rule_id = r.id AND c.disabled_reason IS NULL) AS channels
       FROM alert_rules r LEFT JOIN segments s ON s.id = r.segment_id AND s.organization_id = r.organization_id
       WHERE r.organization_id IN (SELECT value FROM json_each(?)) AND r.enabled = 1`,
    )
    .bind(JSON.stringify(organizationIds));

/** The rules by organization; rules with no channel left to send to are left out. */
export function activeRulesFrom(result: D1Result): Map<string, ActiveRule[]> {
  const byOrganization = new Map<string, ActiveRule[]>();
  for (const row of result.results as ActiveRuleRow[]) {
    const channels = (JSON.parse(row.channels) as [string, AlertChannelType, string[] | null][]).map(
      ([id, type, recipients]): ActiveChannel => (recipients ? { id, type, recipients } : { id, type }),
    );
    if (channels.length === 0) continue;
    const rules = byOrganization.get(row.organization_id) ?? [];
    rules.push({
      id: row.id,
      organizationId: row.organization_id,
      name: row.name,
      trigger: row.trigger,
      pages: row.pages === null ? null : (JSON.parse(row.pages) as string[]),
      returnAfterDays: row.return_after_days,
      cooldownSeconds: row.cooldown_hours * 3600,
      segment: row.segment_id === null ? undefined : segmentOf(row.segment_filter),
      channels,
    });
    byOrganization.set(row.organization_id, rules);
  }
  return byOrganization;
}

function segmentOf(stored: string | null): SegmentFilter | null {
  if (stored === null) return null;
  const parsed = SegmentFilterSchema.safeParse(JSON.parse(stored));
  return parsed.success ? parsed.data : null;
}

/** A rule's cooldown for a visitor: when it ends (unix seconds). */
export interface Claim {
  until: number;
}

/** What the hits consumer read about a batch's alerts: the enabled rules, and the cooldowns of its identified visitors. */
export interface AlertState {
  rules: Map<string, ActiveRule[]>;
  /** By `rule|visitor`. A pair missing here is only unknown: the claim itself decides. */
  claims: Map<string, Claim>;
}

/**
 * The cooldowns of these identified visitors under their organizations' rules, for the batch that
 * reads the visitors (`claimsFrom` reads the answer); null when no organization of theirs has rules.
 */
export function claimsStatement(
  db: D1Database,
  rules: Map<string, ActiveRule[]>,
  visitors: { organizationId: string; visitor: string }[],
): D1PreparedStatement | null {
  const pairs = new Map<string, [string, string]>();
  for (const { organizationId, visitor } of visitors) {
    for (const rule of rules.get(organizationId) ?? []) pairs.set(`${rule.id}|${visitor}`, [rule.id, visitor]);
  }
  if (pairs.size === 0) return null;
  return db
    .prepare(
      `SELECT c.rule_id, c.visitor, c.until FROM json_each(?) j
       CROSS JOIN alert_claims c ON c.rule_id = j.value ->> 0 AND c.visitor = j.value ->> 1`,
    )
    .bind(JSON.stringify([...pairs.values()]));
}

export function claimsFrom(result: D1Result | undefined): Map<string, Claim> {
  type ClaimRow = { rule_id: string; visitor: string; until: number };
  return new Map(((result?.results ?? []) as ClaimRow[]).map((r) => [`${r.rule_id}|${r.visitor}`, { until: r.until }]));
}
