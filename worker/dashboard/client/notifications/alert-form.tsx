import type { Alert } from "../../../alerts/schemas";
import { Csrf } from "../../ui/components";
import { FIELD, type AlertFormValues } from "./alert-input";
import { TRIGGER_CHOICES } from "./alert-parts";
import { ChannelFields } from "./channel-fields";
import { Field, FieldProblem, type Problems } from "./fields";

/**
 * The alert form (create and edit), props only. Problems sit under their field; the page lists them
 * above with links. Fields only one trigger needs show when it is chosen (CSS `:has()`, no script).
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

export function AlertForm(props: AlertFormProps) {
  const { values, problems } = props;
  const number = (name: "returnAfterDays" | "cooldownHours", min: number, max: number) => (attrs: object) => (
    <input {...attrs} name={name} type="number" inputmode="numeric" min={min} max={max} step={1} value={values[name]} />
  );
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
        aria-describedby={problems[FIELD.trigger] ? `${FIELD.trigger}-problem` : undefined}
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
      <ChannelFields
        channels={props.channels}
        values={values}
        problems={problems}
        refused={Object.keys(problems).length > 0}
      />
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
