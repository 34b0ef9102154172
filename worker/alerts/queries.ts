import type { AlertTrigger } from "../../shared/alerts";
import { notFound } from "../lib/errors";
import { COUNT_LIMIT } from "../http/schemas";
import { decodeKeyset, encodeKeyset, type Keyset } from "../lib/cursor";
import { publicVisitorId } from "../visitors/identity";
import { recipientsOf, type ChannelRow } from "./channels";
import type { AlertDeliveryRow } from "./deliver";
import type { Alert } from "./schemas";

/** Alert rules as the API shows them, and their delivery log (docs/alerts.md). */

export interface AlertRuleRow {
  id: string;
  organization_id: string;
  name: string;
  trigger: AlertTrigger;
  segment_id: string | null;
  pages: string | null;
  return_after_days: number | null;
  cooldown_hours: number;
  enabled: number;
  dashboard_origin: string;
  created_at: string;
  updated_at: string;
}

export const toAlert = (row: AlertRuleRow, channels: ChannelRow[]): Alert => ({
  id: row.id,
  organizationId: row.organization_id,
  name: row.name,
  trigger: row.trigger,
  segmentId: row.segment_id,
  pages: row.pages === null ? null : (JSON.parse(row.pages) as string[]),
  returnAfterDays: row.return_after_days,
  cooldownHours: row.cooldown_hours,
  channels: channels.map((c) => ({
    id: c.id,
    type: c.type,
    hint: c.hint,
    recipients: recipientsOf(c),
    disabledReason: c.disabled_reason,
    disabledAt: c.disabled_at,
  })),
  enabled: row.enabled === 1,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const channelsOf = (db: D1Database, ruleIds: string[]) =>
  db
    .prepare(
      "SELECT * FROM alert_channels WHERE rule_id IN (SELECT value FROM json_each(?)) ORDER BY rule_id, position",
    )
    .bind(JSON.stringify(ruleIds));

/** The organization's alert, or 404 (the organization was already checked to be the partner's). */
export async function findAlertRule(db: D1Database, organizationId: string, alertId: string) {
  const [rules, channels] = await db.batch<AlertRuleRow | ChannelRow>([
    db.prepare("SELECT * FROM alert_rules WHERE id = ? AND organization_id = ?").bind(alertId, organizationId),
    db
      .prepare(
        `SELECT c.* FROM alert_channels c JOIN alert_rules r ON r.id = c.rule_id
         WHERE c.rule_id = ? AND r.organization_id = ? ORDER BY c.position`,
      )
      .bind(alertId, organizationId),
  ]);
  const rule = rules!.results[0] as AlertRuleRow | undefined;
  if (!rule) throw notFound("Alert");
  return { rule, channels: channels!.results as ChannelRow[] };
}

export async function findAlert(db: D1Database, organizationId: string, alertId: string): Promise<Alert> {
  const { rule, channels } = await findAlertRule(db, organizationId, alertId);
  return toAlert(rule, channels);
}

/** A page of the organization's alerts, oldest first, and how many it has. */
export async function listAlerts(db: D1Database, organizationId: string, limit: number, offset: number) {
  const [rows, count] = await db.batch<AlertRuleRow | { total: number }>([
    db
      .prepare("SELECT * FROM alert_rules WHERE organization_id = ? ORDER BY created_at, id LIMIT ? OFFSET ?")
      .bind(organizationId, limit, offset),
    db.prepare("SELECT count(*) AS total FROM alert_rules WHERE organization_id = ?").bind(organizationId),
  ]);
  const rules = rows!.results as AlertRuleRow[];
  const channels =
    rules.length === 0
      ? []
      : (
          await channelsOf(
            db,
            rules.map((r) => r.id),
          ).all<ChannelRow>()
        ).results;
  const byRule = Map.groupBy(channels, (c) => c.rule_id);
  return {
    alerts: rules.map((rule) => toAlert(rule, byRule.get(rule.id) ?? [])),
    total: (count!.results[0] as { total: number }).total,
  };
}

export const toAlertDelivery = (row: AlertDeliveryRow) => ({
  id: row.id,
  channel: { id: row.channel_id, type: row.channel_type },
  trigger: row.trigger,
  test: row.test === 1,
  visitorId: row.visitor === null ? null : publicVisitorId(row.visitor),
  recipient: row.recipient,
  status: row.status,
  attempts: row.attempts,
  statusCode: row.status_code,
  error: row.error,
  createdAt: row.created_at,
  sentAt: row.sent_at,
});

/** A page of an alert's delivery log, newest first, and how many there are (counted up to COUNT_LIMIT). */
async function listAlertDeliveries(
  db: D1Database,
  alertId: string,
  page: { limit: number; offset: number; after: Keyset | null },
) {
  const keyset = page.after ? "AND (created_at, id) < (?, ?)" : "";
  const [rows, counted] = await db.batch<AlertDeliveryRow | { total: number }>([
    db
      .prepare(
        `SELECT * FROM alert_deliveries WHERE rule_id = ? ${keyset} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
      )
      .bind(
        alertId,
        ...(page.after ? [page.after.at, page.after.id] : []),
        page.limit + 1,
        page.after ? 0 : page.offset,
      ),
    db
      .prepare(`SELECT count(*) AS total FROM (SELECT 1 FROM alert_deliveries WHERE rule_id = ? LIMIT ${COUNT_LIMIT})`)
      .bind(alertId),
  ]);
  const found = rows!.results as AlertDeliveryRow[];
  return {
    deliveries: found.slice(0, page.limit).map(toAlertDelivery),
    more: found.length > page.limit,
    total: (counted!.results[0] as { total: number }).total,
  };
}

/**
 * A page of an alert's delivery log, newest first: after `cursor` (a previous page's `nextCursor`, by
 * position) or at `offset`, with `nextCursor` when more follow. Null when the cursor is not the log's.
 * What the partner API's `GET …/deliveries` and the dashboard's Notifications page show.
 */
export async function deliveryLogPage(
  db: D1Database,
  alertId: string,
  page: { limit: number; offset: number; cursor?: string },
) {
  const after = page.cursor === undefined ? null : decodeKeyset(page.cursor);
  if (page.cursor !== undefined && !after) return null;
  const found = await listAlertDeliveries(db, alertId, { limit: page.limit, offset: page.offset, after });
  const last = found.deliveries.at(-1);
  return {
    deliveries: found.deliveries,
    total: found.total,
    nextCursor: found.more && last ? encodeKeyset({ at: last.createdAt, id: last.id }) : null,
  };
}
