import { Hono } from "hono";
import { listAlerts } from "../../../alerts/queries";
import { MAX_ALERTS_PER_ORGANIZATION, type Alert } from "../../../alerts/schemas";
import type { DigestSettings } from "../../../digests/schemas";
import { getDigestSettings } from "../../../digests/settings";
import type { DashboardContext, DashboardEnv } from "../../context";
import { Csrf } from "../../ui/components";
import { render } from "../../ui/layout";
import { clientFrame } from "../frame";
import { RuleFacts, StateBadge } from "./alert-parts";
import { notificationsRoot } from "./context";
import { DigestSummary } from "./digest-parts";

/** What the page says after an action that sent the person back here. */
const DONE: Record<string, string> = { deleted: "The alert was deleted, with its delivery log." };

export interface NotificationsProps {
  root: string;
  csrf: string;
  alerts: Alert[];
  digests: DigestSettings;
  segmentNames: Map<string, string>;
  done?: string;
}

/** The Notifications page: the organization's alert rules, each with its test and on/off buttons, and its digests. Props only. */
export function NotificationsPage(props: NotificationsProps) {
  const { root, alerts } = props;
  return (
    <>
      <h1>Notifications</h1>
      <p class="sub">
        Tell your team in Slack, Microsoft Teams or by e-mail the moment a company they care about is on your site, and
        send them a daily or weekly digest.
      </p>
      {props.done && (
        <p class="status" role="status">
          {props.done}
        </p>
      )}
      <section aria-labelledby="alerts-title">
        <div class="bar">
          <h2 id="alerts-title">Alerts</h2>
          {alerts.length < MAX_ALERTS_PER_ORGANIZATION ? (
            <a class="btn" href={`${root}/alerts/new`}>
              New alert
            </a>
          ) : (
            <p class="muted">{MAX_ALERTS_PER_ORGANIZATION} alerts at most: delete one to add another.</p>
          )}
        </div>
        {alerts.length === 0 ? (
          <p class="empty card">
            No alert yet. Create one to hear about companies as they arrive: every newly identified company, those
            coming back, or those viewing your pricing page.
          </p>
        ) : (
          <ul class="plain rules">
            {alerts.map((alert) => (
              <li class="card rule">
                <div class="bar">
                  <h3>
                    <a href={`${root}/alerts/${alert.id}`}>{alert.name}</a>
                  </h3>
                  <StateBadge enabled={alert.enabled} />
                </div>
                <RuleFacts alert={alert} segmentName={props.segmentNames.get(alert.segmentId ?? "") ?? null} />
                <div class="actions rule-actions">
                  <a class="btn quiet" href={`${root}/alerts/${alert.id}`}>
                    Settings and delivery log<span class="sr"> of {alert.name}</span>
                  </a>
                  <form method="post" action={`${root}/alerts/${alert.id}/test`}>
                    <Csrf token={props.csrf} />
                    <button type="submit" class="quiet">
                      Send test<span class="sr"> of {alert.name}</span>
                    </button>
                  </form>
                  <form method="post" action={`${root}/alerts/${alert.id}/enabled`}>
                    <Csrf token={props.csrf} />
                    <input type="hidden" name="enabled" value={alert.enabled ? "off" : "on"} />
                    <button type="submit" class="quiet">
                      {alert.enabled ? "Turn off" : "Turn on"}
                      <span class="sr"> {alert.name}</span>
                    </button>
                  </form>
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
      <DigestSummary root={root} settings={props.digests} segmentNames={props.segmentNames} />
    </>
  );
}

/** `GET /o/{organizationId}/notifications` (client admins): the organization's alerts and digests. */
export const notificationsRoute = new Hono<DashboardEnv>().get("/o/:organizationId/notifications", async (c) => {
  const db = c.var.tenant.DB;
  const organizationId = c.get("organization").id;
  const [{ alerts }, digests] = await Promise.all([
    listAlerts(db, organizationId, MAX_ALERTS_PER_ORGANIZATION, 0),
    getDigestSettings(db, organizationId),
  ]);
  return render(
    c,
    clientFrame(c, "Notifications", "notifications"),
    <NotificationsPage {...propsOf(c, alerts, digests)} />,
  );
});

function propsOf(c: DashboardContext, alerts: Alert[], digests: DigestSettings): NotificationsProps {
  return {
    root: notificationsRoot(c),
    csrf: c.get("csrf"),
    alerts,
    digests,
    segmentNames: new Map(c.get("savedViews").map((s) => [s.id, s.name])),
    done: DONE[c.req.query("done") ?? ""],
  };
}
