import { DIGEST_FREQUENCIES } from "../../../../shared/digests";
import { MAX_DIGEST_RECIPIENTS, type DigestSettings } from "../../../digests/schemas";
import type { MailOutcome } from "../../../email/transport";
import { Csrf } from "../../ui/components";
import { time } from "../../ui/format";
import { DIGEST_FIELD, type DigestFormValues, type RecipientRowValues } from "./digest-input";
import { FREQUENCY_NAMES, hourText, lastDigestText, TestDigestOutcome, WEEKDAYS } from "./digest-parts";
import { Field, ProblemSummary, type Problems } from "./fields";

/** The test form as posted, its problems, and what the mail server said. */
export interface DigestTest {
  to: string;
  frequency: string;
  segmentId: string;
  problems: Problems;
  outcome?: MailOutcome;
}

export interface DigestsProps {
  root: string;
  csrf: string;
  settings: DigestSettings;
  values: DigestFormValues;
  problems: Problems;
  segments: { id: string; name: string }[];
  /** Where a test may go: the signed-in person and the recipients. */
  testAddresses: string[];
  test?: DigestTest;
  done?: string;
}

const SegmentOptions = (props: { segments: { id: string; name: string }[]; selected: string }) => (
  <>
    <option value="">Every identified company</option>
    {props.segments.map((s) => (
      <option value={s.id} selected={props.selected === s.id}>
        Saved view: {s.name}
      </option>
    ))}
  </>
);

const FrequencyOptions = (props: { selected: string }) => (
  <>
    {DIGEST_FREQUENCIES.map((f) => (
      <option value={f} selected={props.selected === f}>
        {FREQUENCY_NAMES[f]}
      </option>
    ))}
  </>
);

/** The Digests page: recipients and schedule, a preview, a test. Props only. */
export function DigestsPage(props: DigestsProps) {
  const { values, problems, settings } = props;
  const rows: RecipientRowValues[] =
    values.rows.length < MAX_DIGEST_RECIPIENTS
      ? [...values.rows, { email: "", frequency: "daily", segmentId: "", removed: false }]
      : values.rows;
  const saved = (row: RecipientRowValues) =>
    settings.recipients.find((r) => r.email === row.email.toLowerCase() && r.frequency === row.frequency);
  const test = props.test ?? { to: props.testAddresses[0] ?? "", frequency: "daily", segmentId: "", problems: {} };
  return (
    <>
      <p class="crumbs">
        <a href={props.root}>Notifications</a>
      </p>
      <h1>Digests</h1>
      <p class="sub">
        A daily or weekly e-mail of the companies that visited: new ones, returning ones, the pages they read most and
        the credits left. Nothing is sent for a day or week in which nobody came.
      </p>
      {props.done && (
        <p class="status" role="status">
          {props.done}
        </p>
      )}
      <ProblemSummary title="The digests were not saved" problems={problems} />
      <form method="post" action={`${props.root}/digests`} class="card digest-form" novalidate>
        <Csrf token={props.csrf} />
        <input type="hidden" name="rows" value={String(rows.length)} />
        {rows.map((row, i) => {
          const recipient = row.email ? saved(row) : undefined;
          const last = i === rows.length - 1 && rows.length > values.rows.length;
          return (
            <fieldset class="recipient">
              <legend>{last ? "Add a recipient" : `Recipient ${i + 1}`}</legend>
              <div class="row-fields">
                <Field
                  id={DIGEST_FIELD.email(i)}
                  label="E-mail address"
                  problems={problems}
                  input={(attrs) => (
                    <input {...attrs} name={attrs.id} type="email" autocomplete="off" value={row.email} />
                  )}
                />
                <Field
                  id={DIGEST_FIELD.frequency(i)}
                  label="How often"
                  problems={problems}
                  input={(attrs) => (
                    <select {...attrs} name={attrs.id}>
                      <FrequencyOptions selected={row.frequency} />
                    </select>
                  )}
                />
                <Field
                  id={DIGEST_FIELD.segmentId(i)}
                  label="Which companies"
                  problems={problems}
                  input={(attrs) => (
                    <select {...attrs} name={attrs.id}>
                      <SegmentOptions segments={props.segments} selected={row.segmentId} />
                    </select>
                  )}
                />
              </div>
              {recipient && (
                <p class={recipient.unsubscribed ? "warn" : "muted"}>
                  {recipient.unsubscribed
                    ? "Unsubscribed: no digests until they subscribe again from the link in their last one."
                    : lastDigestText(recipient)}{" "}
                  <a
                    href={`${props.root}/digests/preview?${new URLSearchParams({ email: recipient.email, frequency: recipient.frequency })}`}
                  >
                    Preview their next digest
                  </a>
                </p>
              )}
              {!last && (
                <label class="check">
                  <input type="checkbox" name={DIGEST_FIELD.remove(i)} checked={row.removed} />
                  Remove this recipient
                </label>
              )}
            </fieldset>
          );
        })}
        <div class="row-fields">
          <Field
            id={DIGEST_FIELD.hourUtc}
            label="Time (UTC)"
            problems={problems}
            input={(attrs) => (
              <select {...attrs} name="hourUtc">
                {Array.from({ length: 24 }, (_, h) => (
                  <option value={String(h)} selected={values.hourUtc === String(h)}>
                    {hourText(h)}
                  </option>
                ))}
              </select>
            )}
          />
          <Field
            id={DIGEST_FIELD.weekday}
            label="Weekly digests go out on"
            problems={problems}
            input={(attrs) => (
              <select {...attrs} name="weekday">
                {WEEKDAYS.map((day, i) => (
                  <option value={String(i + 1)} selected={values.weekday === String(i + 1)}>
                    {day}
                  </option>
                ))}
              </select>
            )}
          />
        </div>
        <div class="actions">
          <button type="submit">Save digests</button>
          <span class="muted">
            {settings.nextDaily && `Next daily digest ${time(settings.nextDaily)}. `}
            {settings.nextWeekly && `Next weekly digest ${time(settings.nextWeekly)}.`}
          </span>
        </div>
      </form>
      <div class="grid">
        <form method="get" action={`${props.root}/digests/preview`} class="card" aria-labelledby="preview-title">
          <h2 id="preview-title">Preview</h2>
          <p class="muted">A digest of the last day or week as it would be mailed now, sent to nobody.</p>
          <Field
            id="preview-frequency"
            label="Digest"
            problems={{}}
            input={(attrs) => (
              <select {...attrs} name="frequency">
                <FrequencyOptions selected="daily" />
              </select>
            )}
          />
          <Field
            id="preview-segment"
            label="Which companies"
            problems={{}}
            input={(attrs) => (
              <select {...attrs} name="segmentId">
                <SegmentOptions segments={props.segments} selected="" />
              </select>
            )}
          />
          <button type="submit" class="quiet">
            Preview
          </button>
        </form>
        <form method="post" action={`${props.root}/digests/test`} class="card" aria-labelledby="test-title" novalidate>
          <h2 id="test-title">Send a test</h2>
          <p class="muted">
            The digest of the last day or week, mailed now even when empty, its subject marked “Test”.
          </p>
          {test.outcome && <TestDigestOutcome to={test.to} outcome={test.outcome} />}
          {test.problems.form && (
            <p class="errors" role="alert">
              {test.problems.form}
            </p>
          )}
          <Csrf token={props.csrf} />
          {props.testAddresses.length === 0 ? (
            <p>Add a recipient first: a test goes to you or to one of them.</p>
          ) : (
            <TestFields {...props} test={test} />
          )}
        </form>
      </div>
    </>
  );
}

function TestFields(props: DigestsProps & { test: DigestTest }) {
  const { test } = props;
  return (
    <>
      <Field
        id="test-to"
        label="Send it to"
        problems={test.problems}
        input={(attrs) => (
          <select {...attrs} name="to">
            {props.testAddresses.map((a) => (
              <option value={a} selected={test.to === a}>
                {a}
              </option>
            ))}
          </select>
        )}
      />
      <Field
        id="test-frequency"
        label="Digest"
        problems={test.problems}
        input={(attrs) => (
          <select {...attrs} name="frequency">
            <FrequencyOptions selected={test.frequency} />
          </select>
        )}
      />
      <Field
        id="test-segment"
        label="Which companies"
        problems={test.problems}
        input={(attrs) => (
          <select {...attrs} name="segmentId">
            <SegmentOptions segments={props.segments} selected={test.segmentId} />
          </select>
        )}
      />
      <button type="submit" class="quiet">
        Send test digest
      </button>
    </>
  );
}
