import { ALERT_TRIGGERS, type AlertTrigger } from "../../../../shared/alerts";
import {
  CreateAlertBody,
  DEFAULT_RETURN_AFTER_DAYS,
  MAX_ALERTS_PER_ORGANIZATION,
  UpdateAlertBody,
  type Alert,
  type CreateAlert,
  type UpdateAlert,
} from "../../../alerts/schemas";
import { ApiError, type FieldProblem } from "../../../lib/errors";
import { PagePatternSchema } from "../../../segments/filter";
import type { Problems } from "./fields";
import {
  channelProblem,
  channelValuesOf,
  checkedChannels,
  NO_CHANNEL_VALUES,
  readChannels,
  type ChannelField,
  type ChannelValues,
} from "./channel-input";

/**
 * The alert form of the Notifications page: what it posts, read into the partner API's alert body,
 * and every problem worded for the person at the form, keyed by the id of the field it belongs to.
 * Webhook URLs are secrets: they are read from the post and never put back into the form.
 */

/** What the form shows: everything it posted but the webhook URLs. */
export interface AlertFormValues extends ChannelValues {
  name: string;
  trigger: AlertTrigger;
  segmentId: string;
  pages: string;
  returnAfterDays: string;
  cooldownHours: string;
  /** Create form only: on as soon as it is saved. */
  enabled: boolean;
}

/** Ids of the form's fields, for labels, problems and the summary's links. */
export const FIELD = {
  name: "name",
  trigger: "trigger",
  segmentId: "segment",
  pages: "pages",
  returnAfterDays: "return-after",
  cooldownHours: "cooldown",
} as const;

export const NEW_ALERT_VALUES: AlertFormValues = {
  name: "",
  trigger: "identified",
  segmentId: "",
  pages: "",
  returnAfterDays: String(DEFAULT_RETURN_AFTER_DAYS),
  cooldownHours: "24",
  enabled: true,
  ...NO_CHANNEL_VALUES,
};

/** The edit form of a saved alert. */
export const valuesOf = (alert: Alert): AlertFormValues => ({
  name: alert.name,
  trigger: alert.trigger,
  segmentId: alert.segmentId ?? "",
  pages: alert.pages?.join(" ") ?? "",
  returnAfterDays: String(alert.returnAfterDays ?? DEFAULT_RETURN_AFTER_DAYS),
  cooldownHours: String(alert.cooldownHours),
  enabled: alert.enabled,
  ...channelValuesOf(alert),
});

type Posted = Record<string, unknown>;

const text = (form: Posted, name: string) => {
  const value = form[name];
  return typeof value === "string" ? value : "";
};

/** What the form posted: its values, and the webhook URLs typed (by channel id, `new` for the new one). */
export function readAlertForm(form: Posted, channels: Alert["channels"]) {
  const trigger = text(form, "trigger");
  const read = readChannels(form, channels);
  const values: AlertFormValues = {
    name: text(form, "name"),
    trigger: (ALERT_TRIGGERS as readonly string[]).includes(trigger) ? (trigger as AlertTrigger) : "identified",
    segmentId: text(form, "segmentId"),
    pages: text(form, "pages"),
    returnAfterDays: text(form, "returnAfterDays"),
    cooldownHours: text(form, "cooldownHours"),
    enabled: text(form, "enabled") === "on",
    ...read.values,
  };
  return { values, urls: read.urls, triggerChosen: trigger === values.trigger };
}

/** The body for the domain, with the form field of each channel it lists (to place the domain's problems). */
export interface AlertInput<T> {
  body: T;
  channelFields: ChannelField[];
}

const whole = (raw: string, min: number, max: number) => {
  const value = raw.trim();
  return /^\d{1,4}$/.test(value) && Number(value) >= min && Number(value) <= max ? Number(value) : null;
};

/** Everything the form can tell before the domain looks (the domain checks URLs' hosts and the segment). */
function checkedFields(read: ReturnType<typeof readAlertForm>, problems: Problems) {
  const { values } = read;
  const name = values.name.trim();
  if (!name) problems[FIELD.name] = "Give the alert a name.";
  else if (name.length > 200) problems[FIELD.name] = "The name is longer than 200 characters.";
  if (!read.triggerChosen) problems[FIELD.trigger] = "Choose when the alert is sent.";
  let pages: string[] | null = null;
  if (values.trigger === "page_viewed") {
    pages = [...new Set(values.pages.split(/[\s,]+/).filter(Boolean))];
    const bad = pages.find((p) => !PagePatternSchema.safeParse(p).success);
    if (pages.length === 0) problems[FIELD.pages] = "Name at least one page, e.g. /pricing*.";
    else if (bad !== undefined)
      problems[FIELD.pages] =
        `“${bad.slice(0, 60)}” is not a page: pages start with / and may end with * for every page below (/pricing*).`;
    else if (pages.length > 20) problems[FIELD.pages] = "Name at most 20 pages.";
  }
  let returnAfterDays: number | null = null;
  if (values.trigger === "returned") {
    returnAfterDays = whole(values.returnAfterDays, 1, 365);
    if (returnAfterDays === null) problems[FIELD.returnAfterDays] = "Days away must be a whole number from 1 to 365.";
  }
  const cooldownHours = whole(values.cooldownHours, 1, 720);
  if (cooldownHours === null) problems[FIELD.cooldownHours] = "Hours must be a whole number from 1 to 720.";
  return { name, pages, returnAfterDays, cooldownHours: cooldownHours ?? 24 };
}

/** The create body of a posted new-alert form, or its problems. */
export function createInput(read: ReturnType<typeof readAlertForm>): AlertInput<CreateAlert> | Problems {
  const problems: Problems = {};
  const fields = checkedFields(read, problems);
  const { channels, fields: channelFields } = checkedChannels(read, [], problems);
  const { values } = read;
  const parsed = CreateAlertBody.safeParse({
    name: fields.name,
    trigger: values.trigger,
    ...(values.segmentId ? { segmentId: values.segmentId } : {}),
    ...(fields.pages ? { pages: fields.pages } : {}),
    ...(fields.returnAfterDays !== null ? { returnAfterDays: fields.returnAfterDays } : {}),
    cooldownHours: fields.cooldownHours,
    channels,
    enabled: values.enabled,
  });
  return finished(parsed, problems, channelFields);
}

/** The update body of a posted edit form (every field sent; `channels` keeps, replaces, removes and adds), or its problems. */
export function updateInput(read: ReturnType<typeof readAlertForm>, alert: Alert): AlertInput<UpdateAlert> | Problems {
  const problems: Problems = {};
  const fields = checkedFields(read, problems);
  const { channels, fields: channelFields } = checkedChannels(read, alert.channels, problems);
  const parsed = UpdateAlertBody.safeParse({
    name: fields.name,
    trigger: read.values.trigger,
    segmentId: read.values.segmentId || null,
    pages: fields.pages,
    returnAfterDays: fields.returnAfterDays,
    cooldownHours: fields.cooldownHours,
    channels,
  });
  return finished(parsed, problems, channelFields);
}

function finished<T>(
  parsed:
    { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } },
  problems: Problems,
  channelFields: ChannelField[],
): AlertInput<T> | Problems {
  if (Object.keys(problems).length > 0) return problems;
  // The form's own checks cover the schema; anything left is still reported, never sent.
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ field: i.path.map(String).join("."), message: i.message }));
    return placed(details, channelFields);
  }
  return { body: parsed.data, channelFields };
}

/** How the domain's field names read at the form. */
const LABELS: Record<string, [id: string, label: string]> = {
  name: [FIELD.name, "The name"],
  trigger: [FIELD.trigger, "The trigger"],
  segmentId: [FIELD.segmentId, "The saved view"],
  pages: [FIELD.pages, "Pages"],
  returnAfterDays: [FIELD.returnAfterDays, "Days away"],
  cooldownHours: [FIELD.cooldownHours, "Hours"],
};

/** The domain's field problems at the form's fields: channel N is the Nth of `channelFields`. */
function placed(details: FieldProblem[], channelFields: ChannelField[]): Problems {
  const problems: Problems = {};
  const add = (id: string, message: string) => (problems[id] = problems[id] ? `${problems[id]} ${message}` : message);
  for (const { field, message } of details) {
    const channel = channelProblem(field, message, channelFields);
    if (channel) add(...channel);
    else if (field === "segmentId") add(FIELD.segmentId, "That saved view does not exist any more: choose another.");
    else if (LABELS[field]) add(LABELS[field][0], `${LABELS[field][1]} ${message}.`);
    else add("form", `${field ? `${field}: ` : ""}${message}.`);
  }
  return problems;
}

/** A refusal of the domain as problems at the form (with the page's status), or null when it is not the form's to show. */
export function refusalOf(
  error: unknown,
  channelFields: ChannelField[],
): { problems: Problems; status: 400 | 409 | 503 } | null {
  if (!(error instanceof ApiError)) return null;
  if (error.code === "BadRequest" && Array.isArray(error.details)) {
    return { problems: placed(error.details as FieldProblem[], channelFields), status: 400 };
  }
  if (error.code === "UnprocessableEntity")
    return {
      problems: { form: `There are ${MAX_ALERTS_PER_ORGANIZATION} alerts already: delete one first.` },
      status: 409,
    };
  if (error.code === "ServiceUnavailable") return { problems: { form: `${error.message}.` }, status: 503 };
  return null;
}

export const isInput = <T>(result: AlertInput<T> | Problems): result is AlertInput<T> => "body" in result;
