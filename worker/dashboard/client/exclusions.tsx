import { Hono } from "hono";
import { loadExclusions, saveExclusions } from "../../exclusions/queries";
import { MAX_DOMAINS, MAX_IP_RANGES, parseExclusions, type ExclusionProblem } from "../../exclusions/rules";
import type { DashboardContext, DashboardEnv } from "../context";
import { adminOnly } from "../signed-in";
import { Csrf } from "../ui/components";
import { time } from "../ui/format";
import { render } from "../ui/layout";
import { clientFrame, clientRoot } from "./frame";

const PATH = "/o/:organizationId/exclusions";

/** One entry per line (commas work too), blanks ignored. */
const lines = (text: unknown) =>
  typeof text === "string"
    ? text
        .split(/[\n,]/)
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

/** `GET`/`POST /o/{organizationId}/exclusions` (client admins): who is never identified or charged. */
export const exclusionsRoute = new Hono<DashboardEnv>()
  .use(PATH, adminOnly)
  .get(PATH, async (c) => {
    const saved = await loadExclusions(c.var.tenant.DB, c.get("organization").id);
    return page(c, {
      domains: saved.domains.join("\n"),
      ipRanges: saved.ipRanges.join("\n"),
      updatedAt: saved.updatedAt,
      saved: c.req.query("saved") === "1",
    });
  })
  .post(PATH, async (c) => {
    const form = await c.req.parseBody();
    const session = c.get("session");
    const organization = c.get("organization");
    const parsed = parseExclusions({ domains: lines(form.domains), ipRanges: lines(form.ipRanges) });
    if (!parsed.ok) {
      return page(
        c,
        {
          domains: String(form.domains ?? ""),
          ipRanges: String(form.ipRanges ?? ""),
          updatedAt: null,
          problems: parsed.problems,
        },
        400,
      );
    }
    await saveExclusions(
      c.var.tenant.DB,
      { partnerId: session.partnerId, organizationId: organization.id },
      parsed.value,
      {
        type: "client_user",
        id: session.id,
        email: session.email,
      },
    );
    return c.redirect(`${clientRoot(c)}/exclusions?saved=1`, 303);
  });

export interface ExclusionsForm {
  domains: string;
  ipRanges: string;
  updatedAt: string | null;
  saved?: boolean;
  problems?: ExclusionProblem[];
}

function page(c: DashboardContext, form: ExclusionsForm, status: 200 | 400 = 200) {
  const body = <ExclusionsPage form={form} action={`${clientRoot(c)}/exclusions`} csrf={c.get("csrf")} />;
  return render(c, clientFrame(c, "Exclusions", "exclusions"), body, status);
}

/** The exclusions form, as saved or as sent with its problems; `action`: where it posts. */
export function ExclusionsPage(props: { form: ExclusionsForm; action: string; csrf: string }) {
  const { form } = props;
  return (
    <>
      <h1>Exclusions</h1>
      <p>
        Visitors from these companies or addresses are never identified and never use a credit: your own offices, your
        agencies, your competitors. They still count as page views, under “Excluded by you”. Changes apply to the next
        visit; companies identified before stay in your list.
      </p>
      {form.saved && (
        <p class="status" role="status">
          Exclusions saved.
        </p>
      )}
      {form.problems && (
        <div class="errors" role="alert" id="problems">
          <h2>Nothing was saved</h2>
          <ul>
            {form.problems.map((p) => (
              <li>{p.message}</li>
            ))}
          </ul>
        </div>
      )}
      <form method="post" action={props.action} class="card">
        <Csrf token={props.csrf} />
        <div class="grid">
          <div>
            <label for="domains">Domains, one per line (subdomains included; at most {MAX_DOMAINS})</label>
            <textarea
              id="domains"
              name="domains"
              rows={8}
              spellcheck={false}
              aria-describedby={form.problems ? "problems" : undefined}
            >
              {form.domains}
            </textarea>
          </div>
          <div>
            <label for="ipRanges">
              IP addresses or ranges, one per line (e.g. 203.0.113.0/24; at most {MAX_IP_RANGES})
            </label>
            <textarea
              id="ipRanges"
              name="ipRanges"
              rows={8}
              spellcheck={false}
              aria-describedby={form.problems ? "problems" : undefined}
            >
              {form.ipRanges}
            </textarea>
          </div>
        </div>
        <div class="actions">
          <button type="submit">Save exclusions</button>
          {form.updatedAt && <span class="muted">Last changed {time(form.updatedAt)}</span>}
        </div>
      </form>
    </>
  );
}
