import { Hono } from "hono";
import { deliveryLogPage } from "../../../alerts/queries";
import { updateAlert } from "../../../alerts/save";
import type { Alert, AlertDelivery } from "../../../alerts/schemas";
import type { DashboardContext, DashboardEnv } from "../../context";
import { notFoundPage } from "../../signed-in";
import { Csrf } from "../../ui/components";
import { render, type PageStatus } from "../../ui/layout";
import { clientFrame, clientRoot } from "../frame";
import { AlertForm } from "./alert-form";
import { isInput, readAlertForm, refusalOf, updateInput, valuesOf, type AlertFormValues } from "./alert-input";
import { DeliveryLog, StateBadge, TestOutcome } from "./alert-parts";
import { ProblemSummary, type Problems } from "./fields";
import { alertHref, alertOrNull, notificationsRoot, saveContext, unlessGone } from "./context";

export const LOG_PAGE_SIZE = 25;

const DONE: Record<string, string> = {
  created: "Alert created. Send a test to check that its channels receive it.",
  saved: "Changes saved.",
  on: "The alert is on, with every channel.",
  off: "The alert is off: nothing is sent until it is turned on again.",
};

export interface AlertPageProps {
  root: string;
  csrf: string;
  alert: Alert;
  segments: { id: string; name: string }[];
  /** The form: the alert's settings, or what was posted when it was refused. */
  form: { values: AlertFormValues; problems: Problems };
  log: NonNullable<Awaited<ReturnType<typeof deliveryLogPage>>> & {
    companyRoot: string;
    first?: string;
    next?: string;
  };
  logProblem?: string;
  tested?: AlertDelivery[];
  done?: string;
}

/** One alert: its test and on/off buttons, its settings form, its delivery log and its deletion. Props only. */
export function AlertPage(props: AlertPageProps) {
  const { alert, root } = props;
  const href = `${root}/alerts/${alert.id}`;
  const turnedOff = alert.channels.some((c) => c.disabledReason !== null);
  return (
    <>
      <p class="crumbs">
        <a href={root}>Notifications</a>
      </p>
      <div class="bar">
        <h1>{alert.name}</h1>
        <StateBadge enabled={alert.enabled} />
      </div>
      {props.done && (
        <p class="status" role="status">
          {props.done}
        </p>
      )}
      {props.tested && <TestOutcome alert={alert} deliveries={props.tested} />}
      <div class="actions rule-actions">
        <form method="post" action={`${href}/test`}>
          <Csrf token={props.csrf} />
          <button type="submit">Send test</button>
        </form>
        <form method="post" action={`${href}/enabled`}>
          <Csrf token={props.csrf} />
          <input type="hidden" name="enabled" value={alert.enabled ? "off" : "on"} />
          <button type="submit" class="quiet">
            {alert.enabled ? "Turn off" : "Turn on"}
          </button>
        </form>
        {alert.enabled && turnedOff && (
          <form method="post" action={`${href}/enabled`}>
            <Csrf token={props.csrf} />
            <input type="hidden" name="enabled" value="on" />
            <button type="submit" class="quiet">
              Send to turned-off channels again
            </button>
          </form>
        )}
      </div>
      <p class="muted">
        A test sends a made-up company to every channel, turned-off ones included, and shows what each answered.
      </p>
      <section aria-labelledby="settings-title">
        <h2 id="settings-title">Settings</h2>
        <ProblemSummary title="The changes were not saved" problems={props.form.problems} />
        <AlertForm
          action={href}
          csrf={props.csrf}
          mode="edit"
          values={props.form.values}
          channels={alert.channels}
          segments={props.segments}
          problems={props.form.problems}
        />
      </section>
      <section aria-labelledby="log-title" class="log">
        <h2 id="log-title">Delivery log</h2>
        {props.logProblem && (
          <p class="errors" role="alert">
            {props.logProblem}
          </p>
        )}
        <DeliveryLog
          alert={alert}
          deliveries={props.log.deliveries}
          total={props.log.total}
          companyHref={(visitorId) => `${props.log.companyRoot}/companies/${visitorId}`}
          pages={{ first: props.log.first, next: props.log.next }}
        />
      </section>
      <section aria-labelledby="delete-title" class="danger-zone">
        <h2 id="delete-title">Delete</h2>
        <details>
          <summary>Delete this alert</summary>
          <p>Its channels and its delivery log go with it. This cannot be undone.</p>
          <form method="post" action={`${href}/delete`}>
            <Csrf token={props.csrf} />
            <button type="submit" class="danger">
              Delete “{alert.name}”
            </button>
          </form>
        </details>
      </section>
    </>
  );
}

/** The alert page of a request: the log page its address asks for, and what an action adds. */
export async function alertPage(
  c: DashboardContext,
  alert: Alert,
  extras: { form?: AlertPageProps["form"]; tested?: AlertDelivery[]; status?: PageStatus } = {},
) {
  const cursor = c.req.method === "GET" ? c.req.query("cursor") : undefined;
  const db = c.var.tenant.DB;
  const page = { limit: LOG_PAGE_SIZE, offset: 0 };
  const asked = await deliveryLogPage(db, alert.id, { ...page, cursor });
  const log = asked ?? (await deliveryLogPage(db, alert.id, page))!;
  const href = alertHref(c, alert.id);
  const props: AlertPageProps = {
    root: notificationsRoot(c),
    csrf: c.get("csrf"),
    alert,
    segments: c.get("savedViews"),
    form: extras.form ?? { values: valuesOf(alert), problems: {} },
    log: {
      ...log,
      companyRoot: clientRoot(c),
      first: asked && cursor ? `${href}#log-title` : undefined,
      next: log.nextCursor ? `${href}?${new URLSearchParams({ cursor: log.nextCursor })}#log-title` : undefined,
    },
    logProblem: asked ? undefined : "That page of the log is not valid any more: these are the newest messages.",
    tested: extras.tested,
    done: c.req.method === "GET" ? DONE[c.req.query("done") ?? ""] : undefined,
  };
  return render(
    c,
    clientFrame(c, `${alert.name} · Notifications`, "notifications"),
    <AlertPage {...props} />,
    extras.status,
  );
}

const PATH = "/o/:organizationId/notifications/alerts/:alertId";

/** `GET`/`POST /o/{organizationId}/notifications/alerts/{alertId}` (client admins): an alert, and saving its settings. */
export const alertRoute = new Hono<DashboardEnv>()
  .get(PATH, async (c) => {
    const alert = await alertOrNull(c, c.req.param("alertId"));
    return alert ? alertPage(c, alert) : notFoundPage(c);
  })
  .post(PATH, async (c) => {
    const alert = await alertOrNull(c, c.req.param("alertId"));
    if (!alert) return notFoundPage(c);
    const read = readAlertForm(await c.req.parseBody(), alert.channels);
    const input = updateInput(read, alert);
    const refused = (problems: Problems, status: PageStatus) =>
      alertPage(c, alert, { form: { values: read.values, problems }, status });
    if (!isInput(input)) return refused(input, 400);
    try {
      const saved = await unlessGone(updateAlert(c.var.tenant, saveContext(c), alert.id, input.body));
      if (!saved) return notFoundPage(c);
    } catch (error) {
      const refusal = refusalOf(error, input.channelFields);
      if (!refusal) throw error;
      return refused(refusal.problems, refusal.status);
    }
    return c.redirect(`${alertHref(c, alert.id)}?done=saved`, 303);
  });
