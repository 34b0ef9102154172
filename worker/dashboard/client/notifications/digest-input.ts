import { DIGEST_FREQUENCIES, type DigestFrequency } from "../../../../shared/digests";
import {
  DigestSettingsUpdate,
  MAX_DIGEST_RECIPIENTS,
  type DigestSettings,
  type DigestSettingsInput,
} from "../../../digests/schemas";
import { isMailAddress } from "../../../email/message";
import { ApiError, type FieldProblem } from "../../../lib/errors";
import type { Problems } from "./fields";

/**
 * The digests form of the Notifications page: a row per recipient (address, daily or weekly, a saved
 * view or every company, "Remove") and one blank row to add one, and the schedule; read into the
 * partner API's `PUT …/digests` body, with each problem at its row's field.
 */

export interface RecipientRowValues {
  email: string;
  frequency: DigestFrequency;
  segmentId: string;
  removed: boolean;
}

export interface DigestFormValues {
  rows: RecipientRowValues[];
  hourUtc: string;
  weekday: string;
}

export const DIGEST_FIELD = {
  email: (row: number) => `email-${row}`,
  frequency: (row: number) => `frequency-${row}`,
  segmentId: (row: number) => `segment-${row}`,
  remove: (row: number) => `remove-${row}`,
  hourUtc: "hour",
  weekday: "weekday",
} as const;

/** The form of the saved settings. */
export const digestValuesOf = (settings: DigestSettings): DigestFormValues => ({
  rows: settings.recipients.map((r) => ({
    email: r.email,
    frequency: r.frequency,
    segmentId: r.segmentId ?? "",
    removed: false,
  })),
  hourUtc: String(settings.hourUtc),
  weekday: String(settings.weekday),
});

type Posted = Record<string, unknown>;
const text = (form: Posted, name: string) => (typeof form[name] === "string" ? (form[name] as string) : "");

/** Rows the form may post: every recipient and a blank one, and no more. */
const MAX_ROWS = MAX_DIGEST_RECIPIENTS + 1;

export function readDigestForm(form: Posted): DigestFormValues {
  const count = Math.min(MAX_ROWS, Math.max(0, Number.parseInt(text(form, "rows"), 10) || 0));
  const rows = Array.from({ length: count }, (_, i) => {
    const frequency = text(form, DIGEST_FIELD.frequency(i));
    return {
      email: text(form, DIGEST_FIELD.email(i)).trim(),
      frequency: (DIGEST_FREQUENCIES as readonly string[]).includes(frequency)
        ? (frequency as DigestFrequency)
        : "daily",
      segmentId: text(form, DIGEST_FIELD.segmentId(i)),
      removed: text(form, DIGEST_FIELD.remove(i)) === "on",
    };
  });
  return { rows, hourUtc: text(form, "hourUtc"), weekday: text(form, "weekday") };
}

/** The settings body, with the form row of each recipient it lists (to place the domain's problems). */
export interface DigestInput {
  body: DigestSettingsInput;
  rowOf: number[];
}

const whole = (raw: string, min: number, max: number) =>
  /^\d{1,2}$/.test(raw.trim()) && Number(raw) >= min && Number(raw) <= max ? Number(raw) : null;

/** The body of a posted form, or its problems. */
export function digestInput(values: DigestFormValues): DigestInput | Problems {
  const problems: Problems = {};
  const recipients: NonNullable<DigestSettingsInput["recipients"]> = [];
  const rowOf: number[] = [];
  const seen = new Map<string, number>();
  values.rows.forEach((row, i) => {
    if (row.removed || !row.email) return;
    const email = row.email.toLowerCase();
    const twice = seen.get(`${email} ${row.frequency}`);
    if (!isMailAddress(email))
      problems[DIGEST_FIELD.email(i)] = `“${row.email.slice(0, 80)}” is not an e-mail address.`;
    else if (twice !== undefined)
      problems[DIGEST_FIELD.email(i)] =
        `${row.email} gets a ${row.frequency} digest already (recipient ${twice + 1}): choose the other frequency.`;
    seen.set(`${email} ${row.frequency}`, i);
    recipients.push({ email, frequency: row.frequency, segmentId: row.segmentId || null });
    rowOf.push(i);
  });
  if (recipients.length > MAX_DIGEST_RECIPIENTS)
    problems.form = `At most ${MAX_DIGEST_RECIPIENTS} recipients: remove one first.`;
  const hourUtc = whole(values.hourUtc, 0, 23);
  if (hourUtc === null) problems[DIGEST_FIELD.hourUtc] = "Choose the hour digests go out.";
  const weekday = whole(values.weekday, 1, 7);
  if (weekday === null) problems[DIGEST_FIELD.weekday] = "Choose the day weekly digests go out.";
  if (Object.keys(problems).length > 0) return problems;
  // The form's checks cover the schema; what is left is still reported, never sent.
  const parsed = DigestSettingsUpdate.safeParse({ recipients, hourUtc, weekday });
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ field: i.path.map(String).join("."), message: i.message }));
    return placedDigestProblems(details, rowOf, recipients);
  }
  return { body: parsed.data, rowOf };
}

/** The domain's field problems at the rows they came from. */
function placedDigestProblems(details: FieldProblem[], rowOf: number[], recipients: { email: string }[]): Problems {
  const problems: Problems = {};
  for (const { field, message } of details) {
    const match = field.match(/^recipients\.(\d+)\.(email|segmentId|frequency)$/);
    const row = match ? rowOf[Number(match[1])] : undefined;
    if (match && row !== undefined) {
      if (match[2] === "segmentId")
        problems[DIGEST_FIELD.segmentId(row)] = "That saved view does not exist any more: choose another.";
      else problems[DIGEST_FIELD.email(row)] = `${recipients[Number(match[1])]?.email ?? "The address"} ${message}.`;
    } else if (field === "hourUtc") problems[DIGEST_FIELD.hourUtc] = "Choose the hour digests go out.";
    else if (field === "weekday") problems[DIGEST_FIELD.weekday] = "Choose the day weekly digests go out.";
    else problems.form = `${field === "recipients" ? "Recipients" : field} ${message}.`.trim();
  }
  return problems;
}

/** A refusal of the domain as problems at the form, or null when it is not the form's to show. */
export function digestRefusalOf(error: unknown, input: DigestInput): Problems | null {
  if (!(error instanceof ApiError && error.code === "BadRequest" && Array.isArray(error.details))) return null;
  return placedDigestProblems(error.details as FieldProblem[], input.rowOf, input.body.recipients ?? []);
}

export const isDigestInput = (result: DigestInput | Problems): result is DigestInput => "body" in result;
