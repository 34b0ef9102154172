import type { Child } from "hono/jsx";
import type { Alert } from "../../../alerts/schemas";
import { Csrf } from "../../ui/components";
import { time } from "../../ui/format";
import { CHAT_CHANNELS, FIELD, type AlertFormValues, type Problems } from "./alert-input";
import { CHANNEL_NAMES, TRIGGER_CHOICES } from "./alert-parts";

/**
 * The alert form (create and edit), props only. Problems sit under their field, tied to it with
 * `aria-describedby` and `aria-invalid`; the page lists them above with links. Webhook URLs are
 * never shown: an existing channel shows its hint, and a new URL replaces the stored one.
 */
export interface AlertFormProps {
  action: string;
  csrf: string;
  mode: "create" | "edit";
  values: AlertFormValues;
  /** The alert's channels (edit form). */
  channels: Alert["channels"];
  segments: { id: string; name: string }[];
  problems: Problems;
}

/** `aria-describedby` of a field: its hint and its problem, when it has them. */
const describedBy = (...ids: (string | false | undefined)[]) => ids.filter(Boolean).join(" ") || undefined;

function FieldProblem(props: { id: string; problems: Problems }) {
  const problem = props.problems[props.id];
  return problem ? (
    <p class="bad field-problem" id={`${props.id}-problem`}>
      {problem}
    </p>
  ) : null;
}

/** A text field with its label, hint and problem. */
function Field(props: {
  id: string;
  label: string;
  hint?: Child;
  problems: Problems;
  class?: string;
  input: (attrs: Record<string, string | boolean | undefined>) => Child;
}) {
  const problem = props.problems[props.id];
  return (
    <div class={`field${props.class ? ` ${props.class}` : ""}`}>
      <label for={props.id}>{props.label}</label>
      {props.hint && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      {props.input({
        id: props.id,
        "aria-invalid": problem ? "true" : undefined,
        "aria-describedby": describedBy(
          props.hint !== undefined && `${props.id}-hint`,
          problem && `${props.id}-problem`,
        ),
      })}
      <FieldProblem id={props.id} problems={props.problems} />
    </div>
  );
}

/** A webhook URL field: empty whatever was posted, saying so when a typed URL was refused with the form. */
function UrlField(props: { id: string; label: string; hint: Child; retype: boolean; problems: Problems }) {
  return (
    <Field
      id={props.id}
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

export function AlertForm(props: AlertFormProps) {
  const { values, problems } = props;
  const refused = Object.keys(problems).length > 0;
  const number = (name: "returnAfterDays" | "cooldownHours", min: number, max: number) => (attrs: object) => (
    <input {...attrs} name={name} type="number" inputmode="numeric" min={min} max={max} step={1} value={values[name]} />
  );
  const triggerProblem = problems[FIELD.trigger];
  return (
    <form method="post" action={props.action} class="card alert-form" novalidate>
      <Csrf token={props.csrf} />
      <Field
        id={FIELD.name}
        label="Name"
        hint="What the message says the alert is, e.g. “ICP company on pricing”."
        problems={problems}
        input={(attrs) => <input {...attrs} name="name" required maxlength={200} value={values.name} />}
      />
      <fieldset
        class="field"
        id={FIELD.trigger}
        aria-describedby={triggerProblem ? `${FIELD.trigger}-problem` : undefined}
      >
        <legend>Send an alert when</legend>
        {TRIGGER_CHOICES.map(([trigger, label]) => (
          <label class="check">
            <input type="radio" name="trigger" value={trigger} checked={values.trigger === trigger} />
            {label}
          </label>
        ))}
        <FieldProblem id={FIELD.trigger} problems={problems} />
      </fieldset>
      <Field
        id={FIELD.pages}
        class="for-page_viewed"
        label="Pages"
        hint="The pages that trigger the alert, separated by spaces; end one with * for every page below it: /pricing* /demo"
        problems={problems}
        input={(attrs) => (
          <input
            {...attrs}
            name="pages"
            value={values.pages}
            placeholder="/pricing*"
            autocomplete="off"
            spellcheck={false}
          />
        )}
      />
      <Field
        id={FIELD.returnAfterDays}
        class="for-returned"
        label="Days away"
        hint="A visit counts as a return after at least this many days without one (1 to 365)."
        problems={problems}
        input={number("returnAfterDays", 1, 365)}
      />
      <Field
        id={FIELD.segmentId}
        label="Which companies"
        hint="Every identified company, or only those in one of your saved views."
        problems={problems}
        input={(attrs) => (
          <select {...attrs} name="segmentId">
            <option value="">Every identified company</option>
            {props.segments.map((s) => (
              <option value={s.id} selected={values.segmentId === s.id}>
                Saved view: {s.name}
              </option>
            ))}
          </select>
        )}
      />
      <Field
        id={FIELD.cooldownHours}
        label="At most once per company every … hours"
        hint="After an alert about a company, the next one about it waits this long (1 to 720 hours)."
        problems={problems}
        input={number("cooldownHours", 1, 720)}
      />
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
            {channel.type !== "email" && (
              <UrlField
                id={FIELD.channelUrl(channel.id)}
                label={`New webhook URL for this ${CHANNEL_NAMES[channel.type]} channel`}
                hint="Leave it empty to keep the current one."
                retype={refused && values.typed.includes(channel.id)}
                problems={problems}
              />
            )}
            <label class="check">
              <input type="checkbox" name={`remove-${channel.id}`} checked={values.removed.includes(channel.id)} />
              Remove this channel
            </label>
          </div>
        ))}
        <div class="channel">
          <div class="field">
            <label for="new-type">{props.channels.length > 0 ? "Add a channel" : "Channel"}</label>
            <select id="new-type" name="newType">
              {CHAT_CHANNELS.map((type) => (
                <option value={type} selected={values.newType === type}>
                  {CHANNEL_NAMES[type]}
                </option>
              ))}
            </select>
          </div>
          <UrlField
            id={FIELD.newUrl}
            label="Webhook URL"
            hint={props.channels.length > 0 ? "Optional: leave it empty to add none." : "Where the alerts are posted."}
            retype={refused && values.typed.includes("new")}
            problems={problems}
          />
        </div>
        <WebhookHelp />
      </fieldset>
      {props.mode === "create" && (
        <label class="check">
          <input type="checkbox" name="enabled" checked={values.enabled} />
          Turn the alert on when it is saved
        </label>
      )}
      <div class="actions">
        <button type="submit">{props.mode === "create" ? "Create alert" : "Save changes"}</button>
      </div>
    </form>
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
