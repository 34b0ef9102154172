import type { Child } from "hono/jsx";
import { ALERT_CHANNEL_TYPES } from "../../../../shared/alerts";
import { MAX_EMAIL_RECIPIENTS, type Alert } from "../../../alerts/schemas";
import { time } from "../../ui/format";
import { CHANNEL_NAMES } from "./alert-parts";
import { CHANNEL_FIELD, type ChannelValues } from "./channel-input";
import { Field, type Problems } from "./fields";

/**
 * The channels of the alert form, props only: each channel of the alert (its hint, why it was turned
 * off, a field for a new webhook URL or its addresses, "Remove"), then one new channel whose type
 * shows its field (CSS `:has()`; without it both show and the type decides which is read).
 */
export function ChannelFields(props: {
  channels: Alert["channels"];
  values: ChannelValues;
  problems: Problems;
  /** The form was refused: typed URLs are gone and must be pasted again. */
  refused: boolean;
}) {
  const { values, problems } = props;
  const retype = (key: string) => props.refused && values.typed.includes(key);
  return (
    <fieldset class="field channels">
      <legend>Channels</legend>
      {props.channels.map((channel) => (
        <div class="channel">
          <p>
            <strong>{CHANNEL_NAMES[channel.type]}</strong> <span class="path muted">{channel.hint}</span>
          </p>
          {channel.disabledReason && (
            <p class="bad">
              Not sent to since {channel.disabledAt ? time(channel.disabledAt) : "its webhook was gone"}:{" "}
              {channel.disabledReason}. Paste a new URL, or turn its channels back on.
            </p>
          )}
          {channel.type === "email" ? (
            <Recipients
              id={CHANNEL_FIELD.recipients(channel.id)}
              label="Addresses of this e-mail channel"
              value={values.recipients[channel.id] ?? ""}
              problems={problems}
            />
          ) : (
            <WebhookUrl
              id={CHANNEL_FIELD.url(channel.id)}
              label={`New webhook URL for this ${CHANNEL_NAMES[channel.type]} channel`}
              hint="Leave it empty to keep the current one."
              retype={retype(channel.id)}
              problems={problems}
            />
          )}
          <label class="check">
            <input
              type="checkbox"
              name={CHANNEL_FIELD.remove(channel.id)}
              checked={values.removed.includes(channel.id)}
            />
            Remove this channel
          </label>
        </div>
      ))}
      <div class="channel new-channel">
        <div class="field">
          <label for={CHANNEL_FIELD.type}>{props.channels.length > 0 ? "Add a channel" : "Channel"}</label>
          <select id={CHANNEL_FIELD.type} name="newType">
            {ALERT_CHANNEL_TYPES.map((type) => (
              <option value={type} selected={values.newType === type}>
                {CHANNEL_NAMES[type]}
              </option>
            ))}
          </select>
        </div>
        <WebhookUrl
          id={CHANNEL_FIELD.newUrl}
          class="for-webhook"
          label="Webhook URL (Slack, Microsoft Teams)"
          hint={props.channels.length > 0 ? "Optional: leave it empty to add none." : "Where the alerts are posted."}
          retype={retype("new")}
          problems={problems}
        />
        <Recipients
          id={CHANNEL_FIELD.newRecipients}
          class="for-email"
          label="E-mail addresses (E-mail)"
          value={values.recipients.new ?? ""}
          problems={problems}
        />
      </div>
      <WebhookHelp />
    </fieldset>
  );
}

/** A webhook URL field: empty whatever was posted, saying so when a typed URL was refused with the form. */
function WebhookUrl(props: {
  id: string;
  class?: string;
  label: string;
  hint: Child;
  retype: boolean;
  problems: Problems;
}) {
  return (
    <Field
      id={props.id}
      class={props.class}
      label={props.label}
      problems={props.problems}
      hint={
        <>
          {props.hint}
          {props.retype && (
            <strong class="warn"> The URL you typed is not shown again, for your security: paste it again.</strong>
          )}
        </>
      }
      input={(attrs) => (
        <input {...attrs} name={props.id} type="url" inputmode="url" autocomplete="off" spellcheck={false} />
      )}
    />
  );
}

function Recipients(props: { id: string; class?: string; label: string; value: string; problems: Problems }) {
  return (
    <Field
      id={props.id}
      class={props.class}
      label={props.label}
      hint={`One per line, at most ${MAX_EMAIL_RECIPIENTS}. Each gets every alert of this rule in its own e-mail, with a link to unsubscribe.`}
      problems={props.problems}
      input={(attrs) => (
        <textarea {...attrs} name={props.id} rows={3} spellcheck={false} autocomplete="off">
          {props.value}
        </textarea>
      )}
    />
  );
}

/** Where a client finds a webhook URL (docs/alerts.md, Slack and Microsoft Teams). */
const WebhookHelp = () => (
  <details class="help">
    <summary>Where do I find a webhook URL?</summary>
    <p>
      <strong>Slack:</strong> on Slack's “Your Apps” page create an app for your workspace, named as the messages should
      be signed. Under <em>Incoming Webhooks</em> switch them on, choose <em>Add New Webhook to Workspace</em> and the
      channel, then copy the URL (https://hooks.slack.com/services/…).
    </p>
    <p>
      <strong>Microsoft Teams:</strong> in the channel's ••• menu open <em>Workflows</em> and choose the template{" "}
      <em>Send webhook alerts to a channel</em>. Name it, pick the team and channel, and copy the URL Teams shows.
    </p>
    <p>A webhook URL lets anyone post to the channel: it is stored encrypted and never shown again.</p>
  </details>
);
