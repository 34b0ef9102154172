import { Hono } from "hono";
import { createAlert } from "../../../alerts/save";
import type { DashboardContext, DashboardEnv } from "../../context";
import { render, type PageStatus } from "../../ui/layout";
import { clientFrame } from "../frame";
import { AlertForm } from "./alert-form";
import { createInput, isInput, NEW_ALERT_VALUES, readAlertForm, refusalOf, type AlertFormValues } from "./alert-input";
import { ProblemSummary, type Problems } from "./fields";
import { alertHref, notificationsRoot, saveContext } from "./context";

export interface NewAlertProps {
  root: string;
  csrf: string;
  segments: { id: string; name: string }[];
  values: AlertFormValues;
  problems: Problems;
}

/** The new-alert form. Props only. */
export function NewAlertPage(props: NewAlertProps) {
  return (
    <>
      <p class="crumbs">
        <a href={props.root}>Notifications</a>
      </p>
      <h1>New alert</h1>
      <p class="sub">
        A message in Slack, Microsoft Teams or by e-mail within seconds of a visit. Alerts never use credits.
      </p>
      <ProblemSummary title="The alert was not created" problems={props.problems} />
      <AlertForm
        action={`${props.root}/alerts/new`}
        csrf={props.csrf}
        mode="create"
        values={props.values}
        channels={[]}
        segments={props.segments}
        problems={props.problems}
      />
    </>
  );
}

function page(c: DashboardContext, values: AlertFormValues, problems: Problems = {}, status: PageStatus = 200) {
  const props = { root: notificationsRoot(c), csrf: c.get("csrf"), segments: c.get("savedViews"), values, problems };
  return render(c, clientFrame(c, "New alert · Notifications", "notifications"), <NewAlertPage {...props} />, status);
}

const PATH = "/o/:organizationId/notifications/alerts/new";

/** `GET`/`POST /o/{organizationId}/notifications/alerts/new` (client admins): the form, and creating the alert. */
export const newAlertRoute = new Hono<DashboardEnv>()
  .get(PATH, (c) => page(c, NEW_ALERT_VALUES))
  .post(PATH, async (c) => {
    const read = readAlertForm(await c.req.parseBody(), []);
    const input = createInput(read);
    if (!isInput(input)) return page(c, read.values, input, 400);
    try {
      const alert = await createAlert(c.var.tenant, saveContext(c), input.body);
      return c.redirect(`${alertHref(c, alert.id)}?done=created`, 303);
    } catch (error) {
      const refusal = refusalOf(error, input.channelFields);
      if (!refusal) throw error;
      return page(c, read.values, refusal.problems, refusal.status);
    }
  });
