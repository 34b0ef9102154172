import type { AlertChannelType, AlertTrigger } from "../../../../shared/alerts";
import type { Alert, AlertDelivery } from "../../../alerts/schemas";
import { Scroll } from "../../ui/components";
import { plural, time } from "../../ui/format";

/** How the Notifications page says alerts: triggers, channels, a rule's facts, test outcomes and the delivery log. */

export const CHANNEL_NAMES: Record<AlertChannelType, string> = {
  slack: "Slack",
  teams: "Microsoft Teams",
  email: "E-mail",
};

export const TRIGGER_CHOICES: [AlertTrigger, string][] = [
  ["identified", "A company is identified for the first time this billing period"],
  ["returned", "A known company comes back after some days away"],
  ["page_viewed", "A company views certain pages"],
];

export function triggerText(alert: Pick<Alert, "trigger" | "pages" | "returnAfterDays">): string {
  if (alert.trigger === "page_viewed") return `A company views ${alert.pages?.join(", ")}`;
  if (alert.trigger === "returned")
    return `A known company comes back after ${plural(alert.returnAfterDays ?? 0, "day", "days")} or more away`;
  return "A company is identified for the first time this billing period";
}

/** On or off. */
export const StateBadge = (props: { enabled: boolean }) =>
  props.enabled ? <span class="badge ok">On</span> : <span class="badge muted">Off</span>;

/** A rule's settings as facts. */
export function RuleFacts(props: { alert: Alert; segmentName: string | null }) {
  const { alert } = props;
  return (
    <dl class="facts">
      <dt>When</dt>
      <dd>{triggerText(alert)}</dd>
      <dt>Which companies</dt>
      <dd>
        {alert.segmentId === null ? "Every identified company" : `Saved view: ${props.segmentName ?? alert.segmentId}`}
      </dd>
      <dt>How often</dt>
      <dd>At most once per company every {plural(alert.cooldownHours, "hour", "hours")}</dd>
      <dt>Channels</dt>
      <dd>
        <ul class="plain">
          {alert.channels.map((channel) => (
            <li>
              {CHANNEL_NAMES[channel.type]}{" "}
              <span class="path muted">{channel.recipients ? channel.recipients.join(", ") : channel.hint}</span>
              {channel.disabledReason && <span class="bad"> · not sent to: {channel.disabledReason}</span>}
            </li>
          ))}
        </ul>
      </dd>
    </dl>
  );
}

/** Which channel a message went to: its type and hint (an e-mail's recipient), or that it was removed since. */
const channelLabel = (alert: Alert, d: AlertDelivery) => {
  if (d.recipient) return `E-mail to ${d.recipient}`;
  const current = alert.channels.find((c) => c.id === d.channel.id);
  return current
    ? `${CHANNEL_NAMES[current.type]} ${current.hint ?? ""}`.trim()
    : `${CHANNEL_NAMES[d.channel.type]} (removed)`;
};

/** What each channel answered a test send. */
export function TestOutcome(props: { alert: Alert; deliveries: AlertDelivery[] }) {
  const failed = props.deliveries.filter((d) => d.status !== "sent").length;
  return (
    <div class={failed > 0 ? "errors" : "status"} role={failed > 0 ? "alert" : "status"} id="test-outcome">
      <h2>
        {failed === 0
          ? "Test sent to every channel"
          : `Test not delivered to ${plural(failed, "channel", "channels")} of ${props.deliveries.length}`}
      </h2>
      <ul>
        {props.deliveries.map((d) => (
          <li>
            {channelLabel(props.alert, d)}:{" "}
            {d.status === "sent" ? (
              <span class="ok">delivered{d.statusCode ? ` (HTTP ${d.statusCode})` : ""}</span>
            ) : (
              <span class="bad">failed: {d.error ?? (d.statusCode ? `HTTP ${d.statusCode}` : "no answer")}</span>
            )}
          </li>
        ))}
      </ul>
      {props.deliveries.length === 0 && <p>The alert has no channel to send to.</p>}
    </div>
  );
}

const STATUS_TEXT = { sent: ["Sent", "ok"], failed: ["Failed", "bad"], pending: ["Pending", "warn"] } as const;

/** A page of the delivery log, newest first. */
export function DeliveryLog(props: {
  alert: Alert;
  deliveries: AlertDelivery[];
  total: number;
  companyHref: (visitorId: string) => string;
  pages: { first?: string; next?: string };
}) {
  if (props.deliveries.length === 0) {
    return (
      <p class="empty card">
        {props.pages.first
          ? "No older messages."
          : "Nothing sent yet. Messages appear here as they are sent, tests included."}
      </p>
    );
  }
  return (
    <>
      <p class="muted">
        {props.total >= 10_000 ? "More than 10,000" : plural(props.total, "message", "messages")} in the last 30 days,
        newest first.
      </p>
      <Scroll label="Delivery log">
        <table>
          <caption class="sr">Messages of this alert</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Channel</th>
              <th scope="col">About</th>
              <th scope="col">Status</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {props.deliveries.map((d) => {
              const [label, tone] = STATUS_TEXT[d.status];
              return (
                <tr>
                  <td class="nowrap">
                    <time datetime={d.createdAt}>{time(d.createdAt)}</time>
                  </td>
                  <td>{channelLabel(props.alert, d)}</td>
                  <td>
                    {d.test ? (
                      "Test"
                    ) : d.visitorId ? (
                      <a href={props.companyHref(d.visitorId)}>The company</a>
                    ) : (
                      "A visitor since erased"
                    )}
                  </td>
                  <td class="nowrap">
                    <span class={tone}>{label}</span>
                    {d.attempts > 1 && <span class="muted"> ({d.attempts} attempts)</span>}
                  </td>
                  <td class="path">{d.error ?? (d.status !== "sent" && d.statusCode ? `HTTP ${d.statusCode}` : "")}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </Scroll>
      <nav class="pager" aria-label="Delivery log pages">
        {props.pages.first && <a href={props.pages.first}>Newest messages</a>}
        {props.pages.next && <a href={props.pages.next}>Older messages</a>}
      </nav>
    </>
  );
}
