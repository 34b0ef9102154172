import { ALERT_CHANNEL_TYPES, type AlertChannelType } from "../../../../shared/alerts";
import {
  MAX_CHANNELS_PER_ALERT,
  MAX_EMAIL_RECIPIENTS,
  type Alert,
  type AlertChannelInput,
} from "../../../alerts/schemas";
import { isMailAddress } from "../../../email/message";

/**
 * The channels of the alert form: each channel the alert has (a new webhook URL, new addresses, or
 * removed) and one new channel, read into the API's `channels`. Webhook URLs are secrets, read and
 * never put back; e-mail addresses are not, and a refused form shows them again.
 */

export const CHANNEL_FIELD = {
  type: "new-type",
  url: (channelId: string) => `url-${channelId}`,
  recipients: (channelId: string) => `recipients-${channelId}`,
  remove: (channelId: string) => `remove-${channelId}`,
  newUrl: "new-url",
  newRecipients: "new-recipients",
} as const;

/** What the form shows of its channels, as posted. */
export interface ChannelValues {
  /** Channels of the alert the person asked to remove (edit form). */
  removed: string[];
  newType: AlertChannelType;
  /** Webhook URLs typed (channel ids, `new` for the new channel): after a refusal they must be typed again. */
  typed: string[];
  /** Addresses as typed, by channel id (`new` for the new channel). */
  recipients: Record<string, string>;
}

export const NO_CHANNEL_VALUES: ChannelValues = { removed: [], newType: "slack", typed: [], recipients: {} };

export const channelValuesOf = (alert: Alert): ChannelValues => ({
  ...NO_CHANNEL_VALUES,
  recipients: Object.fromEntries(alert.channels.map((c) => [c.id, c.recipients?.join("\n") ?? ""])),
});

type Posted = Record<string, unknown>;
const text = (form: Posted, name: string) => (typeof form[name] === "string" ? (form[name] as string) : "");

/** The channels' part of a posted form: what it shows again, and the webhook URLs typed (never shown). */
export function readChannels(form: Posted, channels: Alert["channels"]) {
  const urls = new Map<string, string>();
  const recipients: Record<string, string> = {};
  for (const channel of channels) {
    if (channel.type === "email") recipients[channel.id] = text(form, CHANNEL_FIELD.recipients(channel.id));
    else {
      const url = text(form, CHANNEL_FIELD.url(channel.id)).trim();
      if (url) urls.set(channel.id, url);
    }
  }
  const newType = text(form, "newType");
  const values: ChannelValues = {
    removed: channels.filter((c) => text(form, CHANNEL_FIELD.remove(c.id)) === "on").map((c) => c.id),
    newType: (ALERT_CHANNEL_TYPES as readonly string[]).includes(newType) ? (newType as AlertChannelType) : "slack",
    typed: [],
    recipients: { ...recipients, new: text(form, CHANNEL_FIELD.newRecipients) },
  };
  const newUrl = text(form, CHANNEL_FIELD.newUrl).trim();
  if (newUrl && values.newType !== "email") urls.set("new", newUrl);
  values.typed = [...urls.keys()];
  return { values, urls };
}

/** Where the domain's problems about channel N of the body go: its field, and its addresses to name a bad one. */
export interface ChannelField {
  id: string;
  addresses?: string[];
}

const addressesOf = (typed: string) => [...new Set(typed.split(/[\s,;]+/).filter(Boolean))];

/** The addresses of an e-mail channel's field, or the problem with them. */
function checkedAddresses(typed: string): string[] | string {
  const addresses = addressesOf(typed);
  const bad = addresses.find((a) => !isMailAddress(a.toLowerCase()));
  if (addresses.length === 0) return "Give at least one e-mail address, or remove the channel.";
  if (bad !== undefined) return `“${bad.slice(0, 80)}” is not an e-mail address.`;
  if (addresses.length > MAX_EMAIL_RECIPIENTS) return `At most ${MAX_EMAIL_RECIPIENTS} addresses per channel.`;
  return addresses;
}

/** The channels to keep (with what changed), then the new one, in the form's order; problems by field. */
export function checkedChannels(
  read: ReturnType<typeof readChannels>,
  existing: Alert["channels"],
  problems: Record<string, string>,
) {
  const channels: AlertChannelInput[] = [];
  const fields: ChannelField[] = [];
  for (const channel of existing) {
    if (read.values.removed.includes(channel.id)) continue;
    if (channel.type === "email") {
      const id = CHANNEL_FIELD.recipients(channel.id);
      const addresses = checkedAddresses(read.values.recipients[channel.id] ?? "");
      if (typeof addresses === "string") problems[id] = addresses;
      else {
        const changed = addresses.join("\n").toLowerCase() !== channel.recipients?.join("\n");
        channels.push({ type: "email", id: channel.id, ...(changed ? { recipients: addresses } : {}) });
        fields.push({ id, addresses });
      }
      continue;
    }
    const url = read.urls.get(channel.id);
    channels.push({ type: channel.type, id: channel.id, ...(url ? { webhookUrl: url } : {}) });
    fields.push({ id: CHANNEL_FIELD.url(channel.id) });
  }
  const { newType } = read.values;
  const newUrl = read.urls.get("new");
  const newRecipients = read.values.recipients.new ?? "";
  if (newType === "email" && newRecipients.trim()) {
    const addresses = checkedAddresses(newRecipients);
    if (typeof addresses === "string") problems[CHANNEL_FIELD.newRecipients] = addresses;
    else {
      channels.push({ type: "email", recipients: addresses });
      fields.push({ id: CHANNEL_FIELD.newRecipients, addresses });
    }
  } else if (newType !== "email" && newUrl) {
    channels.push({ type: newType, webhookUrl: newUrl });
    fields.push({ id: CHANNEL_FIELD.newUrl });
  }
  const newField = newType === "email" ? CHANNEL_FIELD.newRecipients : CHANNEL_FIELD.newUrl;
  if (channels.length === 0 && Object.keys(problems).every((id) => !id.startsWith("recipients-")))
    problems[newField] ??=
      newType === "email" ? "Add a channel: give its e-mail addresses." : "Add a channel: paste its webhook URL.";
  else if (channels.length > MAX_CHANNELS_PER_ALERT)
    problems[newField] = `An alert has at most ${MAX_CHANNELS_PER_ALERT} channels: remove one first.`;
  return { channels, fields };
}

/** A problem the domain (or the schema) found with channel N of the body, at its field; null for another field. */
export function channelProblem(field: string, message: string, fields: ChannelField[]): [string, string] | null {
  const match = field.match(/^channels\.(\d+)\.(webhookUrl|recipients)(?:\.(\d+))?$/);
  const channel = match ? fields[Number(match[1])] : undefined;
  if (!match || !channel) return null;
  if (match[2] === "webhookUrl") return [channel.id, `The webhook URL ${message}.`];
  const address = match[3] === undefined ? undefined : channel.addresses?.[Number(match[3])];
  return [channel.id, address === undefined ? `The addresses: ${message}.` : `“${address}” ${message}.`];
}
