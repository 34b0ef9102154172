import { DIGEST_FREQUENCIES, type DigestFrequency } from "../../shared/digests";
import type { Actor } from "../audit/actions";
import { auditStatement } from "../audit/queries";
import { isMailAddress } from "../email/message";
import { ApiError, invalidField, type FieldProblem } from "../lib/errors";
import { isoSeconds } from "../lib/time";
import { allSegments } from "../segments/queries";
import type { TenantEnv } from "../shards";
import { saveStatements, settingsStatements, type ClaimRow, type RecipientRow, type SettingsRow } from "./queries";
import { nextDue } from "./schedule";
import { DEFAULT_SCHEDULE, type DigestSettings, type DigestSettingsInput } from "./schemas";

/** Who saves an organization's digest settings, and through which origin (digests link to the dashboard there). */
export interface DigestContext {
  partnerId: string;
  organizationId: string;
  origin: string;
  actor: Actor;
}

const iso = (unixSeconds: number | null) => (unixSeconds === null ? null : isoSeconds(unixSeconds * 1000));

/** The organization's digest settings as the API shows them; the defaults when it never set any. */
export async function getDigestSettings(db: D1Database, organizationId: string): Promise<DigestSettings> {
  const [settings, recipients, runs, unsubscribes] = await db.batch(settingsStatements(db, organizationId));
  const row = settings!.results[0] as SettingsRow | undefined;
  const latest = new Map((runs!.results as ClaimRow[]).map((c) => [`${c.email}|${c.frequency}`, c]));
  const unsubscribed = new Set((unsubscribes!.results as { email: string }[]).map((u) => u.email));
  return {
    organizationId,
    recipients: (recipients!.results as RecipientRow[]).map((r) => {
      const run = latest.get(`${r.email}|${r.frequency}`);
      return {
        email: r.email,
        frequency: r.frequency,
        segmentId: r.segment_id,
        unsubscribed: unsubscribed.has(r.email),
        lastDigest: run
          ? {
              periodStart: iso(run.period_start)!,
              periodEnd: iso(run.period_end)!,
              status: run.status,
              reason: run.reason,
              attempts: run.attempts,
              sentAt: run.sent_at,
            }
          : null,
      };
    }),
    hourUtc: row?.hour_utc ?? DEFAULT_SCHEDULE.hourUtc,
    weekday: row?.weekday ?? DEFAULT_SCHEDULE.weekday,
    nextDaily: iso(row?.daily_due ?? null),
    nextWeekly: iso(row?.weekly_due ?? null),
    updatedAt: row?.updated_at ?? null,
  };
}

/**
 * Saves the fields sent (`recipients` replaces the list), with the `digests.updated` audit entry, and
 * answers the settings. 400 naming each bad field: an address mail cannot be sent to, an address
 * listed twice for one frequency, a segment that is not the organization's. When the next digests
 * are due follows from the schedule (schedule.ts `nextDue`).
 */
export async function saveDigestSettings(
  env: TenantEnv,
  context: DigestContext,
  input: DigestSettingsInput,
  now = Date.now(),
): Promise<DigestSettings> {
  const db = env.DB;
  const { organizationId } = context;
  const [settings, stored] = await db.batch(settingsStatements(db, organizationId).slice(0, 2));
  const before = settings!.results[0] as SettingsRow | undefined;
  const schedule = {
    hourUtc: input.hourUtc ?? before?.hour_utc ?? DEFAULT_SCHEDULE.hourUtc,
    weekday: input.weekday ?? before?.weekday ?? DEFAULT_SCHEDULE.weekday,
  };
  const recipients = input.recipients
    ? await checkedRecipients(db, organizationId, input.recipients)
    : (stored!.results as RecipientRow[]).map(({ email, frequency, segment_id }) => ({ email, frequency, segment_id }));
  const dueOf = (frequency: DigestFrequency) =>
    nextDue(
      frequency,
      schedule,
      before
        ? {
            schedule: { hourUtc: before.hour_utc, weekday: before.weekday },
            due: frequency === "daily" ? before.daily_due : before.weekly_due,
          }
        : null,
      recipients.some((r) => r.frequency === frequency),
      Math.floor(now / 1000),
    );
  const at = isoSeconds(now);
  const counts = Object.fromEntries(
    DIGEST_FREQUENCIES.map((f) => [f, recipients.filter((r) => r.frequency === f).length]),
  );
  try {
    await db.batch([
      ...saveStatements(
        db,
        {
          organization_id: organizationId,
          hour_utc: schedule.hourUtc,
          weekday: schedule.weekday,
          daily_due: dueOf("daily"),
          weekly_due: dueOf("weekly"),
          dashboard_origin: context.origin,
          updated_at: at,
        },
        recipients.map((r, position) => ({ ...r, position })),
      ),
      auditStatement(db, {
        partnerId: context.partnerId,
        organizationId,
        action: "digests.updated",
        actor: context.actor,
        details: { ...schedule, recipients: counts },
      }),
    ]);
  } catch (error) {
    // A segment deleted after it was checked: its foreign key refuses the write, and so does the API.
    if (/FOREIGN KEY/.test(String(error))) throw invalidField("recipients", "name a segment that no longer exists");
    throw error;
  }
  return getDigestSettings(db, organizationId);
}

/** Recipients lower-cased, in order; every problem at once (400). */
async function checkedRecipients(
  db: D1Database,
  organizationId: string,
  recipients: NonNullable<DigestSettingsInput["recipients"]>,
) {
  const problems: FieldProblem[] = [];
  const segments = recipients.some((r) => r.segmentId)
    ? new Set((await allSegments(db, organizationId)).map((s) => s.id))
    : new Set<string>();
  const seen = new Set<string>();
  const checked = recipients.map((r, i) => {
    const email = r.email.trim().toLowerCase();
    if (!isMailAddress(email)) {
      problems.push({ field: `recipients.${i}.email`, message: "is not an address mail can be sent to" });
    } else if (seen.has(`${email}|${r.frequency}`)) {
      problems.push({ field: `recipients.${i}.email`, message: `is listed twice for ${r.frequency} digests` });
    }
    seen.add(`${email}|${r.frequency}`);
    const segmentId = r.segmentId ?? null;
    if (segmentId !== null && !segments.has(segmentId)) {
      problems.push({ field: `recipients.${i}.segmentId`, message: "is not a segment of this organization" });
    }
    return { email, frequency: r.frequency, segment_id: segmentId };
  });
  if (problems.length > 0) throw new ApiError("BadRequest", "Invalid digest settings", problems);
  return checked;
}
