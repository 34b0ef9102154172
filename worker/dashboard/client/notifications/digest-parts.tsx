import type { DigestFrequency } from "../../../../shared/digests";
import type { DigestSettings } from "../../../digests/schemas";
import type { MailOutcome } from "../../../email/transport";
import { time } from "../../ui/format";

/** How the Notifications page says digests: the schedule, each recipient's latest digest, a test's outcome. */

export const FREQUENCY_NAMES: Record<DigestFrequency, string> = { daily: "Daily", weekly: "Weekly" };

/** ISO 8601 weekdays: 1 = Monday … 7 = Sunday. */
export const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"] as const;

export const hourText = (hour: number) => `${String(hour).padStart(2, "0")}:00 UTC`;

export const scheduleText = (settings: Pick<DigestSettings, "hourUtc" | "weekday">) =>
  `Daily digests go out at ${hourText(settings.hourUtc)}, weekly ones on ${WEEKDAYS[settings.weekday - 1]}s at ${hourText(settings.hourUtc)}.`;

type Recipient = DigestSettings["recipients"][number];

/** What became of a recipient's latest digest. */
export function lastDigestText(recipient: Recipient): string {
  const last = recipient.lastDigest;
  if (!last) return "No digest yet.";
  if (last.status === "sent") return `Last digest sent ${time(last.sentAt ?? last.periodEnd)}.`;
  if (last.status === "skipped")
    return `Last digest not sent (${last.reason ?? "nothing to say"}), ${time(last.periodEnd)}.`;
  if (last.status === "failed") return `Last digest failed: ${last.reason ?? "the mail was refused"}.`;
  return "A digest is on its way.";
}

/** The digests part of the Notifications page: the schedule and who gets what. Props only. */
export function DigestSummary(props: { root: string; settings: DigestSettings; segmentNames: Map<string, string> }) {
  const { settings } = props;
  const count = settings.recipients.length;
  return (
    <section aria-labelledby="digests-title" class="digests">
      <div class="bar">
        <h2 id="digests-title">Digests</h2>
        <a class={count > 0 ? "btn quiet" : "btn"} href={`${props.root}/digests`}>
          {count > 0 ? "Change digests" : "Set up digests"}
        </a>
      </div>
      {count === 0 ? (
        <p class="empty card">
          No digest yet. A daily or weekly e-mail tells your team which companies came for the first time, which came
          back, what they read most and how many credits are left.
        </p>
      ) : (
        <div class="card">
          <p>{scheduleText(settings)}</p>
          <ul class="plain recipients">
            {settings.recipients.map((r) => (
              <li>
                <strong class="path">{r.email}</strong> · {FREQUENCY_NAMES[r.frequency]} ·{" "}
                {r.segmentId ? `Saved view: ${props.segmentNames.get(r.segmentId) ?? r.segmentId}` : "Every company"}
                <br />
                <span class={r.unsubscribed ? "warn" : "muted"}>
                  {r.unsubscribed ? "Unsubscribed: no digests until they subscribe again." : lastDigestText(r)}
                </span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

/** What the mail server said to a test digest. */
export function TestDigestOutcome(props: { to: string; outcome: MailOutcome }) {
  const { outcome } = props;
  if (outcome.status === "delivered") {
    return (
      <p class="status" role="status" id="test-outcome">
        Test digest sent to {props.to}: the mail server accepted it.
      </p>
    );
  }
  return (
    <div class="errors" role="alert" id="test-outcome">
      {outcome.status === "unsubscribed" ? (
        <p>Not sent: {props.to} unsubscribed from these digests.</p>
      ) : (
        <p>
          Test digest to {props.to} not sent: {outcome.error?.message ?? "the mail was refused"}
          {outcome.error?.reply && <span class="path"> ({outcome.error.reply})</span>}
        </p>
      )}
    </div>
  );
}
