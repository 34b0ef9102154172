import { Hono } from "hono";
import { getDigestSettings, saveDigestSettings } from "../../../digests/settings";
import { isMailAddress } from "../../../email/message";
import type { DashboardContext, DashboardEnv } from "../../context";
import { render, type PageStatus } from "../../ui/layout";
import { clientFrame } from "../frame";
import { notificationsRoot, digestContext } from "./context";
import { DigestsPage, type DigestTest } from "./digest-form";
import {
  digestInput,
  digestRefusalOf,
  digestValuesOf,
  isDigestInput,
  readDigestForm,
  type DigestFormValues,
} from "./digest-input";
import type { Problems } from "./fields";

const DONE: Record<string, string> = { saved: "Digests saved." };

/**
 * The Digests page of a request: the saved settings, or a refused form as posted, or a test's outcome.
 * A test goes to the signed-in person or a recipient only, never to an address typed there.
 */
export async function digestsPage(
  c: DashboardContext,
  extras: { form?: { values: DigestFormValues; problems: Problems }; test?: DigestTest; status?: PageStatus } = {},
) {
  const settings = await getDigestSettings(c.var.tenant.DB, c.get("organization").id);
  const props = {
    root: notificationsRoot(c),
    csrf: c.get("csrf"),
    settings,
    values: extras.form?.values ?? digestValuesOf(settings),
    problems: extras.form?.problems ?? {},
    segments: c.get("savedViews"),
    testAddresses: testAddressesOf(c, settings.recipients),
    test: extras.test,
    done: c.req.method === "GET" ? DONE[c.req.query("done") ?? ""] : undefined,
  };
  return render(
    c,
    clientFrame(c, "Digests · Notifications", "notifications"),
    <DigestsPage {...props} />,
    extras.status,
  );
}

/** Where the page may mail a test: the signed-in person (when theirs is an address mail can go to) and the recipients. */
export function testAddressesOf(c: DashboardContext, recipients: { email: string }[]): string[] {
  const me = c.get("session").email.toLowerCase();
  return [...new Set([...(isMailAddress(me) ? [me] : []), ...recipients.map((r) => r.email)])];
}

const PATH = "/o/:organizationId/notifications/digests";

/** `GET`/`POST /o/{organizationId}/notifications/digests` (client admins): who gets digests, and when. */
export const digestsRoute = new Hono<DashboardEnv>()
  .get(PATH, (c) => digestsPage(c))
  .post(PATH, async (c) => {
    const values = readDigestForm(await c.req.parseBody());
    const input = digestInput(values);
    if (!isDigestInput(input)) return digestsPage(c, { form: { values, problems: input }, status: 400 });
    try {
      await saveDigestSettings(c.var.tenant, digestContext(c), input.body);
    } catch (error) {
      const problems = digestRefusalOf(error, input);
      if (!problems) throw error;
      return digestsPage(c, { form: { values, problems }, status: 400 });
    }
    return c.redirect(`${notificationsRoot(c)}/digests?done=saved`, 303);
  });
