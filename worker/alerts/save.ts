import type { AlertChannelType, AlertTrigger } from "../../shared/alerts";
import type { Actor } from "../audit/actions";
import { auditStatement } from "../audit/queries";
import { configOf } from "../config";
import { isMailAddress } from "../email/message";
import { ApiError, invalidField, type FieldProblem } from "../lib/errors";
import { newId } from "../lib/ids";
import { isoSeconds } from "../lib/time";
import { savedTargetProblem, urlTargetProblem } from "../outbound/targets";
import { findSegment } from "../segments/queries";
import type { TenantEnv } from "../shards";
import { recipientsHint, sealTarget, targetHint, type ChannelRow } from "./channels";
import { findAlert, findAlertRule } from "./queries";
import {
  DEFAULT_RETURN_AFTER_DAYS,
  MAX_ALERTS_PER_ORGANIZATION,
  type Alert,
  type AlertChannelInput,
  type CreateAlert,
  type UpdateAlert,
} from "./schemas";

/** Who saves an alert, where, and through which origin (its messages link to the dashboard there). */
export interface SaveContext {
  partnerId: string;
  organizationId: string;
  origin: string;
  actor: Actor;
}

interface RuleFields {
  name: string;
  trigger: AlertTrigger;
  segmentId: string | null;
  pages: string[] | null;
  returnAfterDays: number | null;
  cooldownHours: number;
  enabled: boolean;
}

/** Creates an alert with its channels; 400 naming each bad field, 422 past the organization's limit. */
export async function createAlert(env: TenantEnv, context: SaveContext, body: CreateAlert): Promise<Alert> {
  const fields = withDefaults({
    name: body.name,
    trigger: body.trigger,
    segmentId: body.segmentId ?? null,
    pages: body.pages ?? null,
    returnAfterDays: body.returnAfterDays ?? null,
    cooldownHours: body.cooldownHours,
    enabled: body.enabled,
  });
  const id = newId("alr");
  const channels = await checked(env, context.organizationId, fields, body.channels, []);
  const at = isoSeconds();
  const db = env.DB;
  // The limit is part of the insert, so concurrent creations cannot pass it together.
  const [insert] = await segmentHeld(
    db.batch([
      db
        .prepare(
          `INSERT INTO alert_rules (id, organization_id, name, trigger, segment_id, pages, return_after_days, cooldown_hours,
           enabled, dashboard_origin, created_at, updated_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11
         WHERE (SELECT count(*) FROM alert_rules WHERE organization_id = ?2) < ?12`,
        )
        .bind(...ruleValues(id, context, fields), at, MAX_ALERTS_PER_ORGANIZATION),
      channelsStatement(db, id, await sealedRows(env, id, channels, at)),
    ]),
  );
  if (insert!.meta.changes !== 1) {
    throw new ApiError(
      "UnprocessableEntity",
      `An organization can have at most ${MAX_ALERTS_PER_ORGANIZATION} alerts`,
      { limit: MAX_ALERTS_PER_ORGANIZATION },
    );
  }
  await auditStatement(db, audit(context, "alert.created", id, fields.name)).run();
  return findAlert(db, context.organizationId, id);
}

/**
 * Changes the fields sent. `channels` replaces the list (an entry with an `id` keeps that channel);
 * `enabled: true` also re-enables channels Sightline disabled. A new `trigger` drops `pages` and
 * `returnAfterDays` of the old one unless they are sent too.
 */
export async function updateAlert(
  env: TenantEnv,
  context: SaveContext,
  alertId: string,
  body: UpdateAlert,
): Promise<Alert> {
  const db = env.DB;
  const { rule, channels: existing } = await findAlertRule(db, context.organizationId, alertId);
  const retriggered = body.trigger !== undefined && body.trigger !== rule.trigger;
  const fields = withDefaults({
    name: body.name ?? rule.name,
    trigger: body.trigger ?? rule.trigger,
    segmentId: body.segmentId === undefined ? rule.segment_id : body.segmentId,
    pages:
      body.pages !== undefined
        ? body.pages
        : retriggered
          ? null
          : (JSON.parse(rule.pages ?? "null") as string[] | null),
    returnAfterDays:
      body.returnAfterDays !== undefined ? body.returnAfterDays : retriggered ? null : rule.return_after_days,
    cooldownHours: body.cooldownHours ?? rule.cooldown_hours,
    enabled: body.enabled ?? rule.enabled === 1,
  });
  const channels = await checked(env, context.organizationId, fields, body.channels, existing);
  const at = isoSeconds();
  const reenable = body.enabled === true;
  const channelWrites = body.channels
    ? [
        db.prepare("DELETE FROM alert_channels WHERE rule_id = ?").bind(alertId),
        channelsStatement(db, alertId, await sealedRows(env, alertId, channels, at, reenable)),
      ]
    : reenable
      ? [
          db
            .prepare("UPDATE alert_channels SET disabled_reason = NULL, disabled_at = NULL WHERE rule_id = ?")
            .bind(alertId),
        ]
      : [];
  await segmentHeld(
    db.batch([
      db
        .prepare(
          `UPDATE alert_rules SET name = ?3, trigger = ?4, segment_id = ?5, pages = ?6, return_after_days = ?7,
           cooldown_hours = ?8, enabled = ?9, dashboard_origin = ?10, updated_at = ?11
         WHERE id = ?1 AND organization_id = ?2`,
        )
        .bind(...ruleValues(alertId, context, fields), at),
      ...channelWrites,
      auditStatement(db, audit(context, "alert.updated", alertId, fields.name)),
    ]),
  );
  return findAlert(db, context.organizationId, alertId);
}

/** Deletes the alert, its channels, its cooldowns and its delivery log. */
export async function deleteAlert(env: TenantEnv, context: SaveContext, alertId: string): Promise<void> {
  const db = env.DB;
  const { rule } = await findAlertRule(db, context.organizationId, alertId);
  await db.batch([
    ...["alert_channels", "alert_claims", "alert_deliveries"].map((table) =>
      db.prepare(`DELETE FROM ${table} WHERE rule_id = ?`).bind(alertId),
    ),
    db.prepare("DELETE FROM alert_rules WHERE id = ? AND organization_id = ?").bind(alertId, context.organizationId),
    auditStatement(db, audit(context, "alert.deleted", alertId, rule.name)),
  ]);
}

/** A write whose segment was deleted after it was checked: the foreign key refuses it, and so does the API. */
async function segmentHeld<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (/FOREIGN KEY/.test(String(error))) throw invalidField("segmentId", "is not a segment of this organization");
    throw error;
  }
}

const audit = (
  context: SaveContext,
  action: "alert.created" | "alert.updated" | "alert.deleted",
  id: string,
  name: string,
) => ({
  partnerId: context.partnerId,
  organizationId: context.organizationId,
  action,
  actor: context.actor,
  details: { alertId: id, name },
});

/** `returned` waits 7 days unless told otherwise. */
const withDefaults = (fields: RuleFields): RuleFields =>
  fields.trigger === "returned" && fields.returnAfterDays === null
    ? { ...fields, returnAfterDays: DEFAULT_RETURN_AFTER_DAYS }
    : fields;

const ruleValues = (id: string, context: SaveContext, f: RuleFields) =>
  [
    id,
    context.organizationId,
    f.name,
    f.trigger,
    f.segmentId,
    f.pages === null ? null : JSON.stringify(f.pages),
    f.returnAfterDays,
    f.cooldownHours,
    f.enabled ? 1 : 0,
    context.origin,
  ] as const;

/**
 * A channel as it will be stored: kept (its sealed URL or its recipients, and its state) or new; with a
 * new URL to seal (Slack, Teams) or new recipients (e-mail), either of which also clears a disabled state.
 */
type ChannelPlan =
  | { kept: ChannelRow; url: string | null; recipients: string[] | null }
  | { kept: null; type: AlertChannelType; url: string | null; recipients: string[] | null };

/**
 * Every problem of the rule and its channels at once (400 listing them): `pages` only and always for
 * `page_viewed`, `returnAfterDays` only for `returned`, a segment of this organization, channels that are
 * new https URLs to public hosts, by name and by what the name resolves to (any host and http in local
 * development), new e-mail recipients the mailer can write, or channels the alert has.
 */
async function checked(
  env: TenantEnv,
  organizationId: string,
  fields: RuleFields,
  inputs: AlertChannelInput[] | undefined,
  existing: ChannelRow[],
): Promise<ChannelPlan[]> {
  const problems: FieldProblem[] = [];
  if (fields.trigger === "page_viewed" && fields.pages === null) {
    problems.push({ field: "pages", message: "is required for the page_viewed trigger" });
  }
  if (fields.trigger !== "page_viewed" && fields.pages !== null) {
    problems.push({ field: "pages", message: "is only for the page_viewed trigger" });
  }
  if (fields.trigger !== "returned" && fields.returnAfterDays !== null) {
    problems.push({ field: "returnAfterDays", message: "is only for the returned trigger" });
  }
  if (fields.segmentId !== null && !(await findSegment(env.DB, organizationId, fields.segmentId))) {
    problems.push({ field: "segmentId", message: "is not a segment of this organization" });
  }
  const plans: ChannelPlan[] = [];
  const allowPrivate = configOf(env).allowInsecureWebhooks;
  const kept = new Set<string>();
  const channels = inputs ?? existing.map((c) => ({ type: c.type, id: c.id }) as AlertChannelInput);
  for (const [i, input] of channels.entries()) {
    const field = `channels.${i}`;
    const before = problems.length;
    let url: string | null = null;
    let recipients: string[] | null = null;
    if (input.type === "email") {
      recipients = input.recipients ? mailable(input.recipients, `${field}.recipients`, problems) : null;
    } else {
      url = input.webhookUrl ?? null;
      const problem = url === null ? null : await targetProblem(env, url, allowPrivate);
      if (problem) problems.push({ field: `${field}.webhookUrl`, message: problem });
      else if (url !== null) url = new URL(url).toString();
    }
    const valid = problems.length === before;
    if (input.id !== undefined) {
      const channel = existing.find((c) => c.id === input.id);
      if (!channel) problems.push({ field: `${field}.id`, message: "is not a channel of this alert" });
      else if (channel.type !== input.type)
        problems.push({ field: `${field}.type`, message: `is a ${channel.type} channel` });
      else if (kept.has(channel.id)) problems.push({ field: `${field}.id`, message: "is listed twice" });
      else {
        kept.add(channel.id);
        if (valid) plans.push({ kept: channel, url, recipients });
      }
    } else if (url === null && recipients === null) {
      const target = input.type === "email" ? "recipients" : "webhookUrl";
      if (valid) {
        problems.push({
          field: `${field}.${target}`,
          message: "is required for a new channel (or send the id of one of the alert's channels)",
        });
      }
    } else if (valid) {
      plans.push({ kept: null, type: input.type, url, recipients });
    }
  }
  if (problems.length > 0) throw new ApiError("BadRequest", "Invalid alert", problems);
  return plans;
}

/** Recipients lower-cased, each once; an address the mailer could not write is a problem naming it. */
function mailable(recipients: string[], field: string, problems: FieldProblem[]): string[] {
  const addresses = recipients.map((address) => address.trim().toLowerCase());
  addresses.forEach((address, j) => {
    if (!isMailAddress(address))
      problems.push({ field: `${field}.${j}`, message: "is not an address mail can be sent to" });
  });
  return [...new Set(addresses)];
}

/**
 * What is wrong with a channel URL: not an https URL of a public host, or a name that resolves (through
 * `DOH_URL`) to a non-public address (any of it allowed in local development). Each send checks again.
 */
async function targetProblem(env: TenantEnv, raw: string, allowPrivate: boolean): Promise<string | null> {
  const problem = urlTargetProblem(raw, allowPrivate);
  if (problem) return problem;
  const host = new URL(raw).hostname;
  const resolved = await savedTargetProblem(configOf(env).dohUrl, host, allowPrivate, "the URL's host");
  return resolved && `must point to a public host: ${resolved}`;
}

/** The rows to store, in order: new URLs sealed, new recipients listed (either clears a kept channel's disabled state). */
async function sealedRows(env: TenantEnv, ruleId: string, plans: ChannelPlan[], at: string, reenable = false) {
  return Promise.all(
    plans.map(async (plan, position) => {
      const id = plan.kept?.id ?? newId("chn");
      const { url, recipients } = plan;
      const fresh = url !== null || recipients !== null || reenable;
      return {
        id,
        rule_id: ruleId,
        position,
        type: plan.kept?.type ?? (plan as { type: AlertChannelType }).type,
        target:
          recipients !== null
            ? JSON.stringify(recipients)
            : url !== null
              ? await sealTarget(env, id, url)
              : plan.kept!.target,
        hint: recipients !== null ? recipientsHint(recipients) : url !== null ? targetHint(url) : plan.kept!.hint,
        disabled_reason: fresh ? null : plan.kept!.disabled_reason,
        disabled_at: fresh ? null : plan.kept!.disabled_at,
        created_at: plan.kept?.created_at ?? at,
      } satisfies ChannelRow;
    }),
  );
}

/** Inserts a rule's channels, only while the rule exists (a concurrent delete leaves no orphan). */
function channelsStatement(db: D1Database, ruleId: string, rows: ChannelRow[]): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO alert_channels (id, rule_id, position, type, target, hint, disabled_reason, disabled_at, created_at)
       SELECT c.value ->> 0, ?2, c.value ->> 1, c.value ->> 2, c.value ->> 3, c.value ->> 4, c.value ->> 5, c.value ->> 6,
         c.value ->> 7
       FROM json_each(?1) c WHERE EXISTS (SELECT 1 FROM alert_rules WHERE id = ?2)`,
    )
    .bind(
      JSON.stringify(
        rows.map((r) => [r.id, r.position, r.type, r.target, r.hint, r.disabled_reason, r.disabled_at, r.created_at]),
      ),
      ruleId,
    );
}
